import { Effect } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { type PageRequest, TranscriptStore } from "./ports/transcript-store.ts"
import { spanWhenTraced } from "./traced.ts"

/** A page of a session's transcript as the durable store holds it. */
export const ReadTranscript = Effect.fnUntraced(function* (sessionId: SessionId, request: PageRequest) {
  const store = yield* TranscriptStore
  return yield* store.page(sessionId, request)
}, spanWhenTraced("ReadTranscript"))
