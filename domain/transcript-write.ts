/**
 * The transcript write rules, once for every store: given the message that the incoming item's
 * session stores under its messageId (if any) and the session's next arrival sequence, what an
 * append or a finished reply writes. Message ids are unique per session: a store looks the id up
 * in the incoming item's session only. No runtime imports beyond `repeat.ts`, so that the Convex
 * functions run the same plan.
 */
import { compareRepeat } from "./repeat.ts"

interface Incoming {
  readonly sessionId: string
  readonly contentHash: string
  readonly role: string
  readonly ts: number
  readonly status?: string | undefined
}

interface Stored {
  readonly sessionId: string
  readonly contentHash: string
  readonly ts: number
  readonly seq: number
  readonly status?: string | undefined
}

/** A planned write: a repeat writes nothing; an insert or a replacement writes `item`. */
export type TranscriptWrite<S, W> =
  | { readonly _tag: "Duplicate"; readonly existing: S }
  /** The session stores the messageId with other content. */
  | { readonly _tag: "Conflict"; readonly existing: S }
  | { readonly _tag: "Insert"; readonly item: W }
  /** Replaces the stored item with this messageId. */
  | { readonly _tag: "Replace"; readonly item: W }
  /** A reply of work begun before its session was deleted: nothing is written back. */
  | { readonly _tag: "Deleted" }

/**
 * A reply's row that is not stored, written by work begun at or before the session's deletion
 * (`deletedAt`, the session's tombstone, if any): the deletion removed the row, and the reply must
 * not bring it back. A reply's `ts` is the service's clock when its turn began.
 */
const lateReply = (incoming: Incoming, existing: Stored | undefined, deletedAt: number | undefined) =>
  existing === undefined &&
  incoming.role === "assistant" &&
  deletedAt !== undefined &&
  incoming.ts <= deletedAt

/**
 * Idempotent on messageId within the session: a repeat is a duplicate or a conflict; a new item takes
 * `nextSeq`. A reply's `in_progress` row for a session deleted since its turn began is refused.
 */
export const planAppend = <S extends Stored, I extends Incoming>(
  incoming: I,
  existing: S | undefined,
  nextSeq: number,
  deletedAt?: number
): TranscriptWrite<S, I & { readonly seq: number }> => {
  if (incoming.status === "in_progress" && lateReply(incoming, existing, deletedAt))
    return { _tag: "Deleted" }
  if (existing === undefined) return { _tag: "Insert", item: { ...incoming, seq: nextSeq } }
  return compareRepeat(existing, incoming) === "duplicate"
    ? { _tag: "Duplicate", existing }
    : { _tag: "Conflict", existing }
}

/**
 * An in-progress reply is finished in place, keeping its ts and seq; else as `planAppend`. A reply
 * whose session was deleted since its turn began (its row gone) is refused.
 */
export const planFinishReply = <S extends Stored, I extends Incoming>(
  incoming: I,
  existing: S | undefined,
  nextSeq: number,
  deletedAt?: number
): TranscriptWrite<S, I & { readonly seq: number }> => {
  if (lateReply(incoming, existing, deletedAt)) return { _tag: "Deleted" }
  return existing !== undefined && existing.status === "in_progress"
    ? { _tag: "Replace", item: { ...incoming, ts: existing.ts, seq: existing.seq } }
    : planAppend(incoming, existing, nextSeq)
}
