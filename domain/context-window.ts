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
 * Whether a message belongs in a model's context: a reply still streaming (or orphaned by a crash)
 * has no text worth showing, and a reply the user regenerated was set aside by them.
 */
export const speaksInContext = (item: Pick<TranscriptItem, "status" | "replaced">): boolean =>
  item.status !== "in_progress" && item.replaced !== true

/**
 * The last `limit` items of one session in transcript order. Selection never looks at groupId:
 * a window spans interaction groups.
 */
export const selectContextWindow = <A extends Pick<TranscriptItem, "ts" | "seq">>(
  items: Iterable<A>,
  limit: number
): Array<A> => Array.takeRight(sortTranscript(items), Math.max(0, limit))

/** Tokens a chat API adds around each message (its role and separators), counted against the budget. */
export const MESSAGE_FRAMING_TOKENS = 4

/** Ends a newest message cut to fit the budget, so the model (and a reader) knows text is missing. */
export const TRUNCATION_MARKER = " [… cut to fit the context budget]"

/** How a window's messages are measured against its budget: one model's tokens. */
export interface TokenMeasure {
  readonly count: (message: { readonly text: string; readonly contentHash?: string }) => number
  /** The text's first `maxTokens` tokens. */
  readonly truncate: (text: string, maxTokens: number) => string
}

export interface FittedWindow<A> {
  /** Oldest first, ending with the newest message (possibly truncated). */
  readonly messages: ReadonlyArray<A>
  /** The system prompt's and the messages' tokens with their framing: never above the budget. */
  readonly tokens: number
  /** Whether the newest message alone exceeded what was left and was cut. */
  readonly truncated: boolean
}

/**
 * The newest messages that fit the budget together with the system prompt, oldest first. The newest
 * message is always kept: when it alone exceeds what the system prompt leaves, its text is cut to
 * its first tokens and ends with the marker. Older messages are dropped from the oldest on; the window
 * stays a contiguous tail of the transcript. `maxTokens` must leave room for the system prompt, the
 * marker and one message's framing (the settings check it at start).
 */
export const fitToBudget = <A extends { readonly text: string; readonly contentHash?: string }>(
  messages: ReadonlyArray<A>,
  systemPromptTokens: number,
  maxTokens: number,
  measure: TokenMeasure
): FittedWindow<A> => {
  let tokens = systemPromptTokens
  const newest = messages.at(-1)
  if (newest === undefined) return { messages: [], tokens, truncated: false }
  const left = maxTokens - tokens - MESSAGE_FRAMING_TOKENS
  let kept = newest
  let keptTokens = measure.count(newest)
  const truncated = keptTokens > left
  if (truncated) {
    // A cut can join characters into a token or two more than counted apart: cut, count, cut again.
    let room = left - measure.count({ text: TRUNCATION_MARKER })
    let text = measure.truncate(newest.text, room) + TRUNCATION_MARKER
    while ((keptTokens = measure.count({ text })) > left && room > 0) {
      room -= keptTokens - left
      text = measure.truncate(newest.text, room) + TRUNCATION_MARKER
    }
    kept = { ...newest, text }
  }
  tokens += MESSAGE_FRAMING_TOKENS + keptTokens
  let start = messages.length - 1
  while (start > 0) {
    const cost = MESSAGE_FRAMING_TOKENS + measure.count(messages[start - 1]!)
    if (tokens + cost > maxTokens) break
    tokens += cost
    start -= 1
  }
  return { messages: [...messages.slice(start, -1), kept], tokens, truncated }
}
