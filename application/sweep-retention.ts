import { Clock, Duration, Effect, Layer } from "effect"
import { ConversationSettings } from "./conversation-settings.ts"
import { forkPeriodic } from "./periodic.ts"
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
  forkPeriodic(SweepRetention(), Duration.days(1), "retention sweep failed; next try in a day")
)
