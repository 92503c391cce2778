import { Clock, Duration, Effect, Layer } from "effect"
import { duration } from "./config-values.ts"
import { forkPeriodic } from "./periodic.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"

/** What `layerDailyRetentionSweep` reads: how long an item is kept. */
export const config = duration("TRANSCRIPT_RETENTION_DAYS", 30, "days")

/** Deletes persisted transcript items received (their `createdAt`, not `ts`) longer than `retention` ago. */
export const SweepRetention = Effect.fn("SweepRetention")(function* (retention: Duration.Duration) {
  const store = yield* TranscriptStore
  const cutoff = (yield* Clock.currentTimeMillis) - Duration.toMillis(retention)
  const deleted = yield* store.deleteOlderThan(cutoff)
  yield* Effect.logInfo("retention sweep done").pipe(
    Effect.annotateLogs({ deleted, retentionDays: Duration.toDays(retention) })
  )
  return deleted
})

/**
 * Runs the sweep at start and then daily, for the life of the layer, keeping
 * `TRANSCRIPT_RETENTION_DAYS`; a failed sweep is retried next time.
 */
export const layerDailyRetentionSweep = Layer.scopedDiscard(
  Effect.flatMap(config, (retention) =>
    forkPeriodic(SweepRetention(retention), Duration.days(1), "retention sweep failed; next try in a day")
  )
)
