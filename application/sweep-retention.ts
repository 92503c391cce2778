import { Clock, Duration, Effect, Layer, Schedule } from "effect"
import { ConversationSettings } from "./conversation-settings.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"

/** Deletes persisted transcript items older than `TRANSCRIPT_RETENTION_DAYS`. */
export const SweepRetention = Effect.fn("SweepRetention")(function* () {
  const { retentionDays } = yield* ConversationSettings
  const store = yield* TranscriptStore
  const cutoff = (yield* Clock.currentTimeMillis) - Duration.toMillis(Duration.days(retentionDays))
  const deleted = yield* store.deleteOlderThan(cutoff)
  yield* Effect.logInfo("retention sweep done").pipe(Effect.annotateLogs({ deleted, retentionDays }))
  return deleted
})

/** Runs the sweep at start and then daily, for the life of the layer; a failed sweep is retried next time. */
export const layerDailyRetentionSweep = Layer.scopedDiscard(
  SweepRetention().pipe(
    Effect.catchAllCause((cause) => Effect.logWarning("retention sweep failed; next try in a day", cause)),
    Effect.repeat(Schedule.spaced(Duration.days(1))),
    Effect.forkScoped
  )
)
