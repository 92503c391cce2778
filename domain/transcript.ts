import { Array, Option, Order, Schema } from "effect"
import { GroupId, MessageId, SessionId } from "./ids.ts"

export const Role = Schema.Literal("user", "assistant")
export type Role = typeof Role.Type

/** Lifecycle of an assistant reply streamed by the service; user messages have no status. */
export const MessageStatus = Schema.Literal("in_progress", "completed", "incomplete")
export type MessageStatus = typeof MessageStatus.Type

export const MAX_TEXT_LENGTH = 32_000

/** Message text: non-blank, bounded. */
export const MessageText = Schema.String.pipe(
  Schema.filter((text) => text.trim().length > 0, { message: () => "text must not be empty" }),
  Schema.maxLength(MAX_TEXT_LENGTH, { message: () => `text must be at most ${MAX_TEXT_LENGTH} characters` })
)

/** Milliseconds since the Unix epoch. */
export const Timestamp = Schema.Number.pipe(
  Schema.int({ message: () => "ts must be an integer (milliseconds since the epoch)" }),
  Schema.between(0, 8_640_000_000_000_000, { message: () => "ts must be a valid epoch time in milliseconds" })
)

export const AudioUrl = Schema.String.pipe(
  Schema.maxLength(2048),
  Schema.pattern(/^https?:\/\/\S+$/, { message: () => "audioUrl must be an http(s) URL" })
)

/**
 * One message of a session's transcript, as stored. A plain struct, not a `Schema.Class`: every row a
 * window or a page reads becomes one, and a class instance costs about twice the row's own decoding to
 * construct, validation off or not.
 */
export const TranscriptItem = Schema.Struct({
  sessionId: SessionId,
  messageId: MessageId,
  role: Role,
  text: Schema.String,
  contentHash: Schema.String,
  groupId: Schema.optional(GroupId),
  audioUrl: Schema.optional(Schema.String),
  ts: Schema.Number,
  /** Per-session arrival order, assigned by the store that accepted the item. */
  seq: Schema.Number,
  status: Schema.optional(MessageStatus),
  /** A finished reply the user had regenerated: kept in the transcript, left out of every context window. */
  replaced: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "TranscriptItem" })
export type TranscriptItem = typeof TranscriptItem.Type

/** A reply the service finished streaming (completed or cut off): what a regeneration may replace. */
export const isFinishedReply = (item: Pick<TranscriptItem, "role" | "status">): boolean =>
  item.role === "assistant" && item.status !== "in_progress"

/** A transcript item before a store has assigned its arrival sequence. */
export type NewTranscriptItem = Omit<TranscriptItem, "seq">

/**
 * Transcript order: by timestamp, then by arrival, so equal timestamps keep arrival order. Written as
 * one comparison, not `Order.combine` of two `mapInput`s: it runs for every item a session's memory
 * holds.
 */
export const byTranscriptOrder: Order.Order<TranscriptPosition> = (self, that) =>
  self.ts < that.ts ? -1 : self.ts > that.ts ? 1 : self.seq < that.seq ? -1 : self.seq > that.seq ? 1 : 0

export const sortTranscript = <A extends TranscriptPosition>(items: Iterable<A>): Array<A> =>
  Array.sort(items, byTranscriptOrder)

/**
 * `items` (in transcript order) with `item` in its place, as a new array. A new message usually
 * comes last, so the place is looked for from the end: no sort of what is already in order.
 */
export const insertInTranscriptOrder = <A extends TranscriptPosition>(
  items: ReadonlyArray<A>,
  item: A
): Array<A> => {
  let at = items.length
  while (at > 0 && byTranscriptOrder(items[at - 1]!, item) > 0) at--
  return [...items.slice(0, at), item, ...items.slice(at)]
}

/** The fields whose hash decides whether a repeated messageId is the same message. */
export const contentOf = (item: {
  readonly role: Role
  readonly text: string
  readonly audioUrl?: string | undefined
}) => JSON.stringify([item.role, item.text, item.audioUrl ?? null])

/** A point in a session's transcript order, used to page through it. */
export interface TranscriptPosition {
  readonly ts: number
  readonly seq: number
}

/**
 * A page of `limit` items from rows fetched `limit + 1` at a time: the extra row only tells that
 * more follow, and the next page starts after the last item kept.
 */
export const pageOf = <A extends TranscriptPosition>(fetched: ReadonlyArray<A>, limit: number) => {
  const items = fetched.slice(0, limit)
  const last = items.at(-1)
  return {
    items,
    next:
      fetched.length > limit && last !== undefined
        ? Option.some<TranscriptPosition>({ ts: last.ts, seq: last.seq })
        : Option.none<TranscriptPosition>()
  }
}
