import { Effect, Either, Metric } from "effect"
import type { ContextPurpose } from "../domain/context-window.ts"
import type { SessionId } from "../domain/ids.ts"
import type { TranscriptItem } from "../domain/transcript.ts"
import { ContextSettings } from "./context-settings.ts"
import {
  chatContextMessages,
  classifierContextBuildTotal,
  classifierContextLengthChars,
  classifierContextMessages
} from "./metrics.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { sessionPolicy } from "./session-persistence.ts"

/**
 * Why the window came from where it did: the store; memory because the session is not persisted
 * or context from the store is switched off; memory because the store failed or had nothing.
 */
export type ContextSourceReason = "store" | "not_persisted" | "configured" | "store_error" | "store_empty"

export interface ContextWindow {
  readonly purpose: ContextPurpose
  readonly systemPrompt: string
  readonly limit: number
  readonly source: "store" | "memory"
  readonly reason: ContextSourceReason
  readonly messages: ReadonlyArray<TranscriptItem>
}

/**
 * The window a model sees: the system prompt plus the last N messages of the session, selected
 * by sessionId only (never by groupId) in (ts, seq) order.
 */
const selectWindow = Effect.fnUntraced(function* (purpose: ContextPurpose, sessionId: SessionId) {
  const settings = yield* ContextSettings
  const memory = yield* SessionMemory
  const store = yield* TranscriptStore
  const { limit, systemPrompt } = settings[purpose]
  const fromMemory = (reason: ContextSourceReason) =>
    Effect.map(memory.lastN(sessionId, limit), (messages) => ({
      source: "memory" as const,
      reason,
      messages
    }))

  const chosen = yield* Effect.gen(function* () {
    if (!settings.fromStore) return yield* fromMemory("configured")
    const policy = yield* sessionPolicy
    if (Either.isLeft(policy)) return yield* fromMemory("store_error")
    if (!policy.right.persist) return yield* fromMemory("not_persisted")
    const stored = yield* Effect.either(store.lastN(sessionId, limit))
    if (Either.isLeft(stored)) return yield* fromMemory("store_error")
    if (stored.right.length === 0) {
      const remembered = yield* fromMemory("store_empty")
      if (remembered.messages.length > 0) return remembered
    }
    return { source: "store" as const, reason: "store" as const, messages: stored.right }
  })

  // A reply still streaming (or orphaned by a crash) has no text worth showing a model.
  const window: ContextWindow = {
    purpose,
    systemPrompt,
    limit,
    ...chosen,
    messages: chosen.messages.filter((message) => message.status !== "in_progress")
  }
  yield* Effect.annotateCurrentSpan({
    purpose,
    source: window.source,
    reason: window.reason,
    size: window.messages.length
  })
  return window
})

/** The window built for a model call, counted in the context metrics. */
export const BuildContext = Effect.fn("BuildContext")(function* (
  purpose: ContextPurpose,
  sessionId: SessionId
) {
  const window = yield* selectWindow(purpose, sessionId)
  yield* record(window)
  return window
})

/**
 * The window a model would see now, for a reader (`GET /sessions/:id/context`): the same selection,
 * not counted as a window built, so the context metrics describe model calls only.
 */
export const InspectContext = Effect.fn("InspectContext")(selectWindow)

const record = (window: ContextWindow) =>
  window.purpose === "chat"
    ? Metric.update(chatContextMessages, window.messages.length)
    : Effect.all([
        Metric.update(classifierContextMessages, window.messages.length),
        Metric.update(
          classifierContextLengthChars,
          window.messages.reduce((chars, message) => chars + message.text.length, 0)
        ),
        Metric.increment(Metric.tagged(classifierContextBuildTotal, "outcome", window.reason))
      ])
