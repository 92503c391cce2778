import { Clock, Effect, Layer } from "effect"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { TranscriptTable, unbounded } from "./transcript-table.ts"

/** An unbounded in-memory `TranscriptStore`: the store of the `test` deployment. */
export const make = Effect.sync(() => {
  const table = new TranscriptTable(unbounded)
  return TranscriptStore.of({
    append: (item) => Effect.map(Clock.currentTimeMillis, (now) => table.append(item, now)),
    finishReply: (item) => Effect.map(Clock.currentTimeMillis, (now) => table.finishReply(item, now)),
    saveReplyText: (progress) => Effect.sync(() => table.saveReplyText(progress)),
    finishAbandonedReplies: (replies) => Effect.sync(() => table.finishAbandonedReplies(replies)),
    lastN: (sessionId, limit) =>
      Effect.map(Clock.currentTimeMillis, (now) => table.lastN(sessionId, limit, now)),
    page: (sessionId, request) => Effect.sync(() => table.page(sessionId, request)),
    deleteSession: (sessionId) => Effect.sync(() => table.deleteSession(sessionId)),
    deleteOlderThan: (cutoff) => Effect.sync(() => table.deleteOlderThan(cutoff)),
    ping: Effect.void
  })
})

export const layer = Layer.effect(TranscriptStore, make)
