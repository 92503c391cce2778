import { Context, Data, type Effect, type Option, type Scope, type Stream } from "effect"
import type { ModelFailed, StoreUnavailable } from "../../domain/errors.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"
import type { FinishReason, TokenUsage } from "./chat-model.ts"

/** How a reply that someone follows ended. */
export type ReplyEnd = Data.TaggedEnum<{
  /** The model finished it: stored `completed`. */
  Finished: { readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }
  /** The model failed or timed out: stored `incomplete`. */
  Failed: { readonly reason: ModelFailed["reason"]; readonly message: string }
  /** Its producer stopped (its client went away, the process shut down): stored `incomplete`. */
  CutShort: Record<never, never>
  /** Read from the store: stored `incomplete`, or its writer's lease lapsed before it finished. */
  Incomplete: Record<never, never>
}>
export const ReplyEnd = Data.taggedEnum<ReplyEnd>()

/** A reply as its followers see it: the text so far and, once it is over, how it ended. */
export interface ReplySnapshot {
  readonly text: string
  readonly end: Option.Option<ReplyEnd>
}

/** A reply in flight to follow: its id, and its snapshots from the current one until the one that ends it. */
export interface FollowedReply {
  readonly messageId: MessageId
  readonly snapshots: Stream.Stream<ReplySnapshot, StoreUnavailable>
}

/**
 * A reply this process streams, to follow: as a stream, or by `readEach`, which hands `read` the
 * same snapshots as they come, in a loop (a stream's run costs its reader some 500 runtime operations).
 */
export interface InFlightReply extends FollowedReply {
  readonly readEach: (
    read: (snapshots: ReadonlyArray<ReplySnapshot>) => Effect.Effect<void>
  ) => Effect.Effect<void>
}

/** Where the producer of a reply reports it as it grows and when it ends. */
export interface ReplyFeed {
  /** The text grew by these pieces, in order. */
  readonly grow: (deltas: ReadonlyArray<string>) => Effect.Effect<void>
  readonly end: (end: ReplyEnd) => Effect.Effect<void>
}

/** The replies this process is streaming now, by session, for followers in the same process. */
export class RepliesInFlight extends Context.Tag("coachup/RepliesInFlight")<
  RepliesInFlight,
  {
    /**
     * Registers the session's reply as in flight until `scope` closes (a reply the feed has not
     * ended by then ends cut short); a newer reply of the session takes the older one's place. `stop`
     * is what stops it, run by whoever asks (`stop`): nothing waits for the asking meanwhile.
     */
    readonly register: (
      sessionId: SessionId,
      messageId: MessageId,
      stop: Effect.Effect<void>,
      scope: Scope.Scope
    ) => Effect.Effect<ReplyFeed>
    /** The session's reply in flight in this process, if any. */
    readonly find: (sessionId: SessionId) => Effect.Effect<Option.Option<InFlightReply>>
    /** Asks the session's reply in flight in this process to stop; answers whether there was one. */
    readonly stop: (sessionId: SessionId) => Effect.Effect<boolean>
  }
>() {}
