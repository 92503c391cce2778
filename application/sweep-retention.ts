import { Clock, Duration, Effect, Layer } from "effect"
import { duration } from "./config-values.ts"
import { forkPeriodic } from "./periodic.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { spanWhenTraced } from "./traced.ts"

/** What `layerDailyRetentionSweep` reads: how long an item is kept. */
export const config = duration("TRANSCRIPT_RETENTION_DAYS", 30, "days")

/**
 * Deletes what the service recorded longer than `retention` ago, by its own clock: transcript items
 * by when they were received (`createdAt`, not `ts`), then classifications, closed groups and
 * assessment jobs with their results. Answers how many transcript items went.
 */
export const SweepRetention = Effect.fnUntraced(function* (retention: Duration.Duration) {
  const transcripts = yield* TranscriptStore
  const interactions = yield* InteractionStore
  const cutoff = (yield* Clock.currentTimeMillis) - Duration.toMillis(retention)
  const deleted = yield* transcripts.deleteOlderThan(cutoff)
  const deletedInteractionRecords = yield* interactions.deleteOlderThan(cutoff)
  yield* Effect.logInfo("retention sweep done").pipe(
    Effect.annotateLogs({ deleted, deletedInteractionRecords, retentionDays: Duration.toDays(retention) })
  )
  return deleted
}, spanWhenTraced("SweepRetention"))

/**
 * Runs the sweep at start and then daily, for the life of the layer, keeping
 * `TRANSCRIPT_RETENTION_DAYS`; a failed sweep is retried next time.
 */
export const layerDailyRetentionSweep = Layer.scopedDiscard(
  Effect.flatMap(config, (retention) =>
    forkPeriodic(SweepRetention(retention), Duration.days(1), "retention sweep failed; next try in a day")
  )
)
