import { Context, Data, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import type { NewTranscriptItem, TranscriptItem, TranscriptPosition } from "../../domain/transcript.ts"
import type { TranscriptWrite } from "../../domain/transcript-write.ts"

/** What an idempotent append did. */
export type AppendResult = Data.TaggedEnum<{
  Inserted: { readonly item: TranscriptItem }
  Duplicate: { readonly item: TranscriptItem }
  Conflict: { readonly existing: TranscriptItem }
  /** A reply of work begun before its session was deleted: the store's tombstone refused it. */
  Deleted: Record<never, never>
}>
export const AppendResult = Data.taggedEnum<AppendResult>()

/**
 * Carries out a planned write (`domain/transcript-write.ts`): `store` writes an insert, or a
 * replacement when `replaces`, and answers the item as stored. A repeat writes nothing.
 */
export const applyTranscriptWrite = <W>(
  write: TranscriptWrite<TranscriptItem, W>,
  store: (item: W, replaces: boolean) => TranscriptItem
): AppendResult => {
  switch (write._tag) {
    case "Duplicate":
      return AppendResult.Duplicate({ item: write.existing })
    case "Conflict":
      return AppendResult.Conflict({ existing: write.existing })
    case "Deleted":
      return AppendResult.Deleted()
    case "Insert":
    case "Replace":
      return AppendResult.Inserted({ item: store(write.item, write._tag === "Replace") })
  }
}

/** The two writes a transcript item can take: a new message, or the completion of a streamed reply. */
export type TranscriptWriteKind = "append" | "finishReply"

export type PageOrder = "asc" | "desc"

export interface PageRequest {
  readonly order: PageOrder
  readonly limit: number
  /** Start strictly after this position, in the requested order. */
  readonly after: Option.Option<TranscriptPosition>
}

export interface TranscriptPage {
  readonly items: ReadonlyArray<TranscriptItem>
  /** Where the next page starts; none when this page reached the end. */
  readonly next: Option.Option<TranscriptPosition>
}

/** A streaming reply's text so far, saved by the process that writes the reply. */
export interface ReplyProgress {
  readonly sessionId: SessionId
  readonly messageId: MessageId
  readonly text: string
  readonly contentHash: string
  /** The writer holds the reply until then (ms since epoch); each save renews it. */
  readonly leaseUntil: number
}

/** An assistant message as stored and, while it is `in_progress`, the lease its writer holds on it. */
export interface StoredReply {
  readonly item: TranscriptItem
  /** Until when its writer holds it (ms since epoch); none before the first save, and once finished. */
  readonly leaseUntil: Option.Option<number>
}

/** Which replies still `in_progress` a sweep finishes: those whose writer has stopped renewing them. */
export interface AbandonedReplies {
  /** A reply whose lease ended before this time (ms since epoch) is abandoned. */
  readonly leaseEndedBefore: number
  /**
   * A reply never saved has no lease yet (its writer may be about to save it): it is given one until
   * this time, and is abandoned when that is already before `leaseEndedBefore`.
   */
  readonly unleasedUntil: number
}

/** The contract every transcript store satisfies (durable stores and the in-memory ones alike). */
export interface TranscriptStoreShape {
  /** Appends idempotently on (sessionId, messageId) and assigns the per-session arrival sequence. */
  readonly append: (item: NewTranscriptItem) => Effect.Effect<AppendResult, StoreUnavailable>
  /**
   * Completes an assistant reply: replaces the `in_progress` item with this messageId (keeping its
   * ts and seq), or appends the item when there is none. Replacing is `Inserted`; an item already
   * final with the same content is a `Duplicate`; one with other content a `Conflict`.
   */
  readonly finishReply: (item: NewTranscriptItem) => Effect.Effect<AppendResult, StoreUnavailable>
  /**
   * Saves a streaming reply's text and renews its lease, only while the reply is `in_progress`: a
   * reply finished, or deleted with its session, stays as it is. Answers whether it saved.
   */
  readonly saveReplyText: (progress: ReplyProgress) => Effect.Effect<boolean, StoreUnavailable>
  /**
   * Marks a finished reply of the session as replaced by a regenerated one (`replaced`), keeping its
   * text and place. Answers whether the session holds such a reply (one marked already counts); a user
   * message, a reply still in progress or an unknown id is left as it is.
   */
  readonly markReplaced: (
    sessionId: SessionId,
    messageId: MessageId
  ) => Effect.Effect<boolean, StoreUnavailable>
  /**
   * Finishes every abandoned reply: `incomplete`, with the text last saved. Answers how many. A
   * reply not abandoned yet but without a lease gets one (`unleasedUntil`).
   */
  readonly finishAbandonedReplies: (replies: AbandonedReplies) => Effect.Effect<number, StoreUnavailable>
  /** The session's newest assistant message in transcript order, with its lease: a reply in flight is `in_progress`. */
  readonly latestReply: (sessionId: SessionId) => Effect.Effect<Option.Option<StoredReply>, StoreUnavailable>
  /** One message of the session as stored now (a reply with its lease); none once deleted. */
  readonly reply: (
    sessionId: SessionId,
    messageId: MessageId
  ) => Effect.Effect<Option.Option<StoredReply>, StoreUnavailable>
  /** The last `limit` items of a session in transcript order (ascending). */
  readonly lastN: (
    sessionId: SessionId,
    limit: number
  ) => Effect.Effect<ReadonlyArray<TranscriptItem>, StoreUnavailable>
  readonly page: (
    sessionId: SessionId,
    request: PageRequest
  ) => Effect.Effect<TranscriptPage, StoreUnavailable>
  /**
   * Removes every item of a session and records its deletion (a tombstone): a reply of work begun
   * before it is refused (`Deleted`) rather than written back. Answers how many items were removed.
   */
  readonly deleteSession: (sessionId: SessionId) => Effect.Effect<number, StoreUnavailable>
  /**
   * Removes items the store accepted before the cutoff (ms since epoch): by `createdAt`, the service's
   * clock at an item's first write, never the caller's `ts`; and tombstones of deletions before it.
   * Answers how many items.
   */
  readonly deleteOlderThan: (cutoff: number) => Effect.Effect<number, StoreUnavailable>
  /** Succeeds when the store can serve reads and writes. */
  readonly ping: Effect.Effect<void, StoreUnavailable>
}

/** The durable transcript store: SQLite when embedded, Convex in production, memory in tests. */
export class TranscriptStore extends Context.Tag("coachup/TranscriptStore")<
  TranscriptStore,
  TranscriptStoreShape
>() {}
