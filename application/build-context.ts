import { Array, Effect, Either, Option } from "effect"
import {
  type ContextPurpose,
  fitToBudget,
  speaksInContext,
  type TokenMeasure
} from "../domain/context-window.ts"
import type { MessageId, SessionId } from "../domain/ids.ts"
import type { Role, TranscriptItem } from "../domain/transcript.ts"
import { ContextSettings, type WindowSettings } from "./context-settings.ts"
import {
  chatContextMessages,
  chatContextTokens,
  classifierContextBuildBy,
  classifierContextLengthChars,
  classifierContextMessages,
  classifierContextTokens,
  contextTruncatedBy,
  sessionMemoryMissesBy,
  updateMetrics
} from "./metrics.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { sessionPolicy } from "./session-persistence.ts"
import { annotateSpan, spanWhenTraced } from "./traced.ts"

/**
 * Why the window came from where it did: the store; memory because the session is not persisted
 * or context from the store is switched off; memory because the store failed or had nothing.
 */
export type ContextSourceReason = "store" | "not_persisted" | "configured" | "store_error" | "store_empty"

/** A message as a window holds it: what the model reads, and what identifies it. */
export interface WindowMessage {
  readonly messageId: MessageId
  readonly role: Role
  readonly text: string
  /** Known for stored messages: their token count is then remembered. */
  readonly contentHash?: string
}

export interface ContextWindow<A extends WindowMessage = TranscriptItem> {
  readonly purpose: ContextPurpose
  readonly systemPrompt: string
  readonly limit: number
  readonly source: "store" | "memory"
  readonly reason: ContextSourceReason
  /**
   * The session has had messages that this process's memory does not hold (an opted-out session
   * whose earlier messages another process received, or one that restarted since): the window lacks them.
   */
  readonly contextUnavailable: boolean
  /** Oldest first; the last N messages that fit the token budget. */
  readonly messages: ReadonlyArray<A>
  /** The system prompt's and the messages' tokens, as the model's tokenizer counts them. */
  readonly tokens: number
  /** Whether the newest message alone exceeded the budget and was cut. */
  readonly truncated: boolean
}

/** The session's last messages that a window is chosen from, and where they came from. */
export interface ContextSelection {
  /** How many of the session's last messages were read (before those that do not speak were left out). */
  readonly limit: number
  readonly source: "store" | "memory"
  readonly reason: ContextSourceReason
  readonly contextUnavailable: boolean
  /** Oldest first. */
  readonly messages: ReadonlyArray<TranscriptItem>
}

/**
 * The last N messages of the session, selected by sessionId only (never by groupId) in (ts, seq)
 * order, and where they came from: N is the purpose's limit.
 */
export const SelectContext = Effect.fnUntraced(function* (purpose: ContextPurpose, sessionId: SessionId) {
  const settings = yield* ContextSettings
  const memory = yield* SessionMemory
  const store = yield* TranscriptStore
  const { limit } = settings[purpose]
  const fromMemory = (reason: ContextSourceReason) =>
    Effect.map(memory.lastN(sessionId, limit), (messages) => ({
      source: "memory" as const,
      reason,
      messages,
      contextUnavailable: false
    }))
  // An opted-out session's messages are only in memory; the store counts them. Fewer in memory than
  // the last `limit` the session has had: they are in another process's memory, or were lost with it.
  const fromMemoryOnly = Effect.gen(function* () {
    const remembered = yield* fromMemory("not_persisted")
    const had = yield* Effect.either(
      Effect.flatMap(SessionOwners, (owners) => owners.messageCountOf(sessionId))
    )
    const contextUnavailable = Either.isRight(had) && remembered.messages.length < Math.min(limit, had.right)
    return { ...remembered, contextUnavailable }
  })

  const chosen = yield* Effect.gen(function* () {
    if (!settings.fromStore) return yield* fromMemory("configured")
    const policy = yield* sessionPolicy
    if (Either.isLeft(policy)) return yield* fromMemory("store_error")
    if (!policy.right.persist) return yield* fromMemoryOnly
    const stored = yield* Effect.either(store.lastN(sessionId, limit))
    if (Either.isLeft(stored)) return yield* fromMemory("store_error")
    if (stored.right.length === 0) {
      const remembered = yield* fromMemory("store_empty")
      if (remembered.messages.length > 0) return remembered
    }
    return {
      source: "store" as const,
      reason: "store" as const,
      messages: stored.right,
      contextUnavailable: false
    }
  })
  return { ...chosen, limit, messages: chosen.messages.filter(speaksInContext) } satisfies ContextSelection
}, spanWhenTraced("SelectContext"))

/**
 * The selection up to the message a classifier is asked about, when the store holds it: messages
 * stored after it (the session's next ones, taken meanwhile, perhaps by another process) are not in
 * its window, and as many stored before it take their place, so that a message classified late sees
 * what it would have seen at once.
 */
const endingWith = Effect.fnUntraced(function* <A extends WindowMessage>(
  sessionId: SessionId,
  limit: number,
  selected: ContextSelection,
  newest: A
) {
  const at = selected.messages.findIndex((message) => message.messageId === newest.messageId)
  if (at === selected.messages.length - 1) return selected
  const cut = { ...selected, messages: selected.messages.slice(0, at + 1) }
  if (selected.source !== "store") return at === -1 ? selected : cut
  const store = yield* TranscriptStore
  // Further back than the last N: where it stands is asked of the store (none while the outbox holds it).
  const stored =
    at === -1
      ? Option.map(
          Option.flatten(Option.getRight(yield* Effect.either(store.reply(sessionId, newest.messageId)))),
          (found) => found.item
        )
      : Option.some(selected.messages[at]!)
  if (Option.isNone(stored)) return selected
  const earlier = yield* Effect.either(
    store.page(sessionId, {
      order: "desc",
      limit: limit - 1,
      after: Option.some({ ts: stored.value.ts, seq: stored.value.seq })
    })
  )
  return Either.isLeft(earlier)
    ? cut
    : {
        ...selected,
        messages: [...Array.reverse(earlier.right.items).filter(speaksInContext), stored.value]
      }
})

const measureWith = (window: WindowSettings): TokenMeasure => ({
  count: (message) => window.tokenizer.count(message.text, message.contentHash),
  truncate: window.tokenizer.truncate
})

/** The system prompt and the messages that fit the purpose's token budget. */
const fitted = <A extends WindowMessage>(
  purpose: ContextPurpose,
  settings: WindowSettings,
  selected: Omit<
    ContextWindow<A>,
    "purpose" | "systemPrompt" | "limit" | "maxTokens" | "tokens" | "truncated"
  >
): ContextWindow<A> => {
  const fit = fitToBudget(
    selected.messages,
    settings.systemPromptTokens,
    settings.maxTokens,
    measureWith(settings)
  )
  return {
    purpose,
    systemPrompt: settings.systemPrompt,
    limit: settings.limit,
    ...selected,
    ...fit
  }
}

/**
 * The window a model call sees: the system prompt and the session's last N messages ending with
 * `newest` (the message being answered or classified, whether or not the store has it yet), within
 * the purpose's token budget; a classifier's, none stored after `newest`. Counted in the context
 * metrics. A selection read when `newest` was recorded (`seen`: a chat turn's, for its own window and
 * its prompt's classification) is chosen from when it read this purpose's last N, or more from the
 * store, rather than reading them again.
 */
export const BuildContext = Effect.fnUntraced(function* <A extends WindowMessage>(
  purpose: ContextPurpose,
  sessionId: SessionId,
  newest: A,
  seen?: ContextSelection
) {
  const settings = (yield* ContextSettings)[purpose]
  // One read with this limit serves; a larger one serves too when the store answered it (from memory,
  // whether messages are missing depends on the limit read with).
  const all =
    seen !== undefined &&
    (seen.limit === settings.limit || (seen.source === "store" && seen.limit > settings.limit))
      ? seen
      : yield* SelectContext(purpose, sessionId)
  const selected = purpose === "classifier" ? yield* endingWith(sessionId, settings.limit, all, newest) : all
  const others = selected.messages.filter((message) => message.messageId !== newest.messageId)
  const window = fitted<A | TranscriptItem>(purpose, settings, {
    ...selected,
    messages: Array.takeRight<A | TranscriptItem>([...others, newest], settings.limit)
  })
  yield* record(window)
  yield* annotate(window)
  return window
}, spanWhenTraced("BuildContext"))

/**
 * The window a model would see now, for a reader (`GET /sessions/:id/context`): the same selection and
 * budget, ending with the newest stored message, not counted as a window built, so the context
 * metrics describe model calls only.
 */
export const InspectContext = Effect.fnUntraced(function* (purpose: ContextPurpose, sessionId: SessionId) {
  const settings = (yield* ContextSettings)[purpose]
  const window = fitted(purpose, settings, yield* SelectContext(purpose, sessionId))
  yield* annotate(window)
  return window
}, spanWhenTraced("InspectContext"))

const annotate = (window: ContextWindow<WindowMessage>) =>
  annotateSpan({
    purpose: window.purpose,
    source: window.source,
    reason: window.reason,
    context_unavailable: window.contextUnavailable,
    size: window.messages.length,
    tokens: window.tokens,
    truncated: window.truncated
  })

const record = (window: ContextWindow<WindowMessage>) =>
  updateMetrics((update) => {
    if (window.truncated) update(contextTruncatedBy(window.purpose), 1)
    if (window.contextUnavailable) update(sessionMemoryMissesBy(window.purpose), 1)
    if (window.purpose === "chat") {
      update(chatContextMessages, window.messages.length)
      update(chatContextTokens, window.tokens)
    } else {
      update(classifierContextMessages, window.messages.length)
      update(classifierContextTokens, window.tokens)
      update(
        classifierContextLengthChars,
        window.messages.reduce((chars, message) => chars + message.text.length, 0)
      )
      update(classifierContextBuildBy(window.reason), 1)
    }
  })
