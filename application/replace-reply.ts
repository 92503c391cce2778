import { Effect, Either } from "effect"
import { ReplyNotFound } from "../domain/errors.ts"
import type { MessageId, SessionId } from "../domain/ids.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { sessionPolicy } from "./session-persistence.ts"
import { spanWhenTraced } from "./traced.ts"

/**
 * Sets a finished reply aside before its prompt is answered again: marked replaced in session memory,
 * and in the store when the session's transcript is kept there, so no context window shows it again.
 * Fails with `ReplyNotFound` when neither holds a finished reply by that id in the session.
 */
export const ReplaceReply = Effect.fnUntraced(function* (sessionId: SessionId, messageId: MessageId) {
  const memory = yield* SessionMemory
  const inMemory = yield* memory.markReplaced(sessionId, messageId)
  const policy = yield* sessionPolicy
  const stored =
    Either.isRight(policy) && policy.right.persist
      ? yield* Effect.flatMap(TranscriptStore, (store) => store.markReplaced(sessionId, messageId))
      : false
  if (!inMemory && !stored) return yield* new ReplyNotFound({ messageId })
}, spanWhenTraced("ReplaceReply"))
