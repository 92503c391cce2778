import { Effect } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { type PageRequest, TranscriptStore } from "./ports/transcript-store.ts"

/** A page of a session's transcript as the durable store holds it. */
export const ReadTranscript = Effect.fn("ReadTranscript")(function* (
  sessionId: SessionId,
  request: PageRequest
) {
  const store = yield* TranscriptStore
  return yield* store.page(sessionId, request)
})
