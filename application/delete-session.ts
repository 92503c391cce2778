import { Effect } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { PersistenceBacklog } from "./persistence-backlog.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"

/** Forgets a session everywhere: its transcript in the store, memory and backlog, and its interactions. */
export const DeleteSession = Effect.fn("DeleteSession")(function* (sessionId: SessionId) {
  const store = yield* TranscriptStore
  const memory = yield* SessionMemory
  const backlog = yield* PersistenceBacklog
  yield* backlog.forgetSession(sessionId)
  yield* memory.deleteSession(sessionId)
  const deleted = yield* store.deleteSession(sessionId)
  yield* Effect.flatMap(InteractionStore, (interactions) => interactions.deleteSession(sessionId))
  return { sessionId, deleted }
})
