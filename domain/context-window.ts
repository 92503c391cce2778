import { Array, Data } from "effect"
import { sortTranscript, type TranscriptItem } from "./transcript.ts"

export const MIN_CONTEXT_LIMIT = 1
export const MAX_CONTEXT_LIMIT = 200

/** Which model a context window is built for. */
export type ContextPurpose = "chat" | "classifier"

/** Why a configured limit was not taken as written. */
export type LimitWarning = Data.TaggedEnum<{
  Clamped: { readonly raw: string; readonly used: number }
  Unparsable: { readonly raw: string; readonly used: number }
}>
export const LimitWarning = Data.taggedEnum<LimitWarning>()

export interface ClampedLimit {
  readonly limit: number
  readonly warning?: LimitWarning
}

/**
 * Reads a context limit as configured: out of range clamps to 1..200, anything that is not an
 * integer falls back to the default; both report a warning for the caller to log.
 */
export const clampContextLimit = (raw: string | number | undefined, fallback: number): ClampedLimit => {
  if (raw === undefined) return { limit: fallback }
  const text = String(raw).trim()
  const parsed = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(parsed)) {
    return { limit: fallback, warning: LimitWarning.Unparsable({ raw: text, used: fallback }) }
  }
  const limit = Math.min(MAX_CONTEXT_LIMIT, Math.max(MIN_CONTEXT_LIMIT, parsed))
  return limit === parsed ? { limit } : { limit, warning: LimitWarning.Clamped({ raw: text, used: limit }) }
}

/**
 * The last `limit` items of one session in transcript order. Selection never looks at groupId:
 * a window spans interaction groups.
 */
export const selectContextWindow = <A extends Pick<TranscriptItem, "ts" | "seq">>(
  items: Iterable<A>,
  limit: number
): Array<A> => Array.takeRight(sortTranscript(items), Math.max(0, limit))
