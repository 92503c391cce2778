import { Context, type Effect, type Option, Schema, Struct } from "effect"
import type { OutboxFull, StoreUnavailable } from "../../domain/errors.ts"
import { type SessionId, UserId } from "../../domain/ids.ts"
import { type NewTranscriptItem, TranscriptItem } from "../../domain/transcript.ts"
import { positiveInteger } from "../config-values.ts"
import type { TranscriptWriteKind } from "./transcript-store.ts"

/** A transcript write the store could not take, kept until it does. */
export interface OutboxEntry {
  readonly item: NewTranscriptItem
  /** Whose session it is: privacy is decided again before the write. */
  readonly userId: UserId
  readonly write: TranscriptWriteKind
  /** When the message was first queued (ms since epoch); a replacement keeps it. */
  readonly queuedAt: number
}

/** An entry as it waits: its place in line, and which version of it this is. */
export interface WaitingEntry extends OutboxEntry {
  readonly position: number
  /** Grows each time a later write of the same message replaces the entry. */
  readonly version: number
}

export interface OutboxStats {
  readonly depth: number
  /** When the oldest waiting entry was queued; none when the outbox is empty. */
  readonly oldestQueuedAt: Option.Option<number>
}

/** An entry's fields as an adapter stores them, for adapters that keep them outside the process. */
export const StoredEntry = Schema.Struct({
  item: Schema.Struct(Struct.omit(TranscriptItem.fields, "seq")),
  userId: UserId,
  write: Schema.Literal("append", "finishReply")
})

/** What every outbox adapter's `layerConfig` reads: how many entries may wait. */
export const capacityConfig = positiveInteger("PERSIST_BACKLOG_CAPACITY", 10_000)

/**
 * Transcript writes accepted while the store could not take them, kept durably (beside the data,
 * apart from the store) until they are delivered. Entries wait in arrival order, one per
 * (sessionId, messageId). Fails with `StoreUnavailable` when the outbox itself cannot be used.
 */
export class TranscriptOutbox extends Context.Tag("coachup/TranscriptOutbox")<
  TranscriptOutbox,
  {
    /**
     * Keeps a write. A reply's completion replaces the waiting write of its message and keeps its
     * place; a repeated append leaves the waiting one as it is (the first of a message wins, as in
     * the store). Either is taken when full; a write of a new message fails with `OutboxFull` at
     * capacity.
     */
    readonly enqueue: (entry: OutboxEntry) => Effect.Effect<void, OutboxFull | StoreUnavailable>
    /** The first `limit` waiting entries, in arrival order. */
    readonly oldest: (limit: number) => Effect.Effect<ReadonlyArray<WaitingEntry>, StoreUnavailable>
    /** Removes the entry once delivered, unless a later write replaced it meanwhile. */
    readonly remove: (entry: WaitingEntry) => Effect.Effect<void, StoreUnavailable>
    /** Removes every entry of a session; answers how many. */
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<number, StoreUnavailable>
    /** Whether writes of the session wait here. */
    readonly holds: (sessionId: SessionId) => Effect.Effect<boolean, StoreUnavailable>
    readonly stats: Effect.Effect<OutboxStats, StoreUnavailable>
    /**
     * A mark that stays the same while no other process writes to the outbox and differs once one
     * has, as `StoreChanges.byOthers` is for the store; none where the outbox cannot tell.
     */
    readonly byOthers: () => Option.Option<number>
  }
>() {}
