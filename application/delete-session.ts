import { Effect } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { AssessmentMemory } from "./ports/assessment-memory.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { spanWhenTraced } from "./traced.ts"

/**
 * Forgets a session everywhere: its transcript in the store, memory and outbox, its interactions
 * and their assessment jobs, and assessment results held in memory.
 */
export const DeleteSession = Effect.fnUntraced(function* (sessionId: SessionId) {
  const store = yield* TranscriptStore
  const memory = yield* SessionMemory
  // The outbox first: nothing of the session may be delivered to the store after its deletion there.
  yield* Effect.flatMap(TranscriptOutbox, (outbox) => outbox.deleteSession(sessionId))
  yield* memory.deleteSession(sessionId)
  const deleted = yield* store.deleteSession(sessionId)
  yield* Effect.flatMap(InteractionStore, (interactions) => interactions.deleteSession(sessionId))
  yield* Effect.flatMap(AssessmentMemory, (assessments) => assessments.deleteSession(sessionId))
  return { sessionId, deleted }
}, spanWhenTraced("DeleteSession"))
