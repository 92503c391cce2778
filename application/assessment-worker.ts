import { Clock, Duration, Effect, Either, Layer, Option } from "effect"
import { hasAttemptsLeft, retryAt } from "../domain/assessment.ts"
import { AssessInteraction, AssessmentSettings } from "./assess-interaction.ts"
import { hashedIds } from "./hashed-id.ts"
import {
  assessmentDurationSeconds,
  assessmentJobsBy,
  assessmentQueueDepthBy,
  updateMetric,
  updateMetrics
} from "./metrics.ts"
import { forkPeriodic } from "./periodic.ts"
import { AssessmentQueue, type ClaimedJob } from "./ports/assessment-queue.ts"
import { spanWhenTraced } from "./traced.ts"

/** How long a worker waits after a round that failed (a store outage) before it tries again. */
const FAILED_ROUND_PAUSE = Duration.seconds(5)

const countJob = (outcome: string) => updateMetric(assessmentJobsBy(outcome), 1)

/**
 * Runs one claimed job to its next state: completed, pending again with a backoff, or failed for
 * good. A failure the store or the model may recover from is retried until `maxAttempts`; one that
 * cannot (no transcript, a refused request) fails at once, with its reason.
 */
const RunAssessmentJob = Effect.fnUntraced(function* (job: ClaimedJob) {
  const queue = yield* AssessmentQueue
  const settings = yield* AssessmentSettings
  const hashed = yield* hashedIds
  const outcome = yield* Effect.either(AssessInteraction(job))
  const now = yield* Clock.currentTimeMillis
  const log = {
    requestId: Option.getOrElse(job.requestId, () => "none"),
    session: hashed(job.sessionId),
    group: hashed(job.groupId),
    attempt: job.attempt,
    durationMs: now - job.queuedAt
  }
  if (Either.isRight(outcome)) {
    const stored = yield* queue.complete(job, outcome.right, now)
    if (stored === "completed") {
      yield* countJob("completed")
      yield* updateMetric(assessmentDurationSeconds, (now - job.queuedAt) / 1000)
    } else yield* countJob("lost_lease")
    yield* Effect.logInfo(
      stored === "completed" ? "assessment" : "assessment finished after its lease was lost"
    ).pipe(
      Effect.annotateLogs({
        ...log,
        outcome: stored,
        location: outcome.right.location,
        ...(outcome.right.location === "store"
          ? {
              assessor: outcome.right.result.assessor,
              rubricVersion: outcome.right.result.rubricVersion,
              latencyMs: outcome.right.result.latencyMs
            }
          : {})
      })
    )
    return stored
  }
  const error = outcome.left
  const retryable = error._tag === "StoreUnavailable" || error.retryable
  const reason = error._tag === "StoreUnavailable" ? `store unavailable (${error.operation})` : error.reason
  const next = retryable
    ? retryAt(job.attempt, now, {
        baseMillis: Duration.toMillis(settings.retryBase),
        capMillis: Duration.toMillis(settings.retryCap),
        maxAttempts: settings.maxAttempts
      })
    : undefined
  const failed = yield* queue.fail(job, reason, Option.fromNullable(next), now)
  yield* countJob(failed === "retrying" ? "retried" : failed === "failed" ? "failed" : "lost_lease")
  yield* Effect.logWarning("assessment attempt failed").pipe(
    Effect.annotateLogs({ ...log, outcome: failed, reason })
  )
  return failed
}, spanWhenTraced("RunAssessmentJob"))

/** Claims and runs one due job; false when none was due. */
const workOnce = (worker: string) =>
  Effect.gen(function* () {
    const queue = yield* AssessmentQueue
    const settings = yield* AssessmentSettings
    // Untraced: an idle worker polls several times a second, and a trace per empty poll is noise.
    // The job it claims is traced, under RunAssessmentJob.
    const claimed = yield* queue
      .claim({
        worker,
        now: yield* Clock.currentTimeMillis,
        leaseMillis: Duration.toMillis(settings.lease),
        maxAttempts: settings.maxAttempts
      })
      .pipe(Effect.withTracerEnabled(false))
    if (Option.isNone(claimed)) return false
    const job = claimed.value
    yield* RunAssessmentJob(job).pipe(
      // Stopped mid-job (shutdown): hand the job back now rather than when its lease runs out — unless
      // that was its last attempt, which then fails like any other.
      Effect.onInterrupt(() =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          queue.fail(
            job,
            "worker stopped",
            hasAttemptsLeft(job.attempt, settings.maxAttempts) ? Option.some(now) : Option.none(),
            now
          )
        ).pipe(Effect.ignore)
      ),
      Effect.annotateLogs({ requestId: Option.getOrElse(job.requestId, () => "none") })
    )
    return true
  })

/**
 * `workers` fibers that claim due jobs one at a time and look again after `pollInterval` when none
 * was due, for the life of the layer; plus the queue-depth gauge every five seconds. A round that
 * fails (the store is down) is logged and the worker tries again five seconds later.
 */
export const layerAssessmentWorkers = Layer.scopedDiscard(
  Effect.gen(function* () {
    const settings = yield* AssessmentSettings
    if (settings.workers === 0) return
    const queue = yield* AssessmentQueue
    for (let index = 0; index < settings.workers; index++) {
      yield* workOnce(`${settings.workerId}:${index}`).pipe(
        Effect.flatMap((worked) => (worked ? Effect.void : Effect.sleep(settings.pollInterval))),
        // The store is down, most likely: say so once per worker and round, and give it time.
        Effect.catchAllCause((cause) =>
          Effect.zipRight(
            Effect.logWarning("assessment worker round failed", cause),
            Effect.sleep(Duration.max(settings.pollInterval, FAILED_ROUND_PAUSE))
          )
        ),
        Effect.forever,
        Effect.forkScoped
      )
    }
    yield* forkPeriodic(
      Effect.flatMap(queue.depth, ({ pending, running }) =>
        updateMetrics((update) => {
          update(assessmentQueueDepthBy("pending"), pending)
          update(assessmentQueueDepthBy("running"), running)
        })
      ).pipe(Effect.withTracerEnabled(false)),
      Duration.seconds(5),
      "assessment queue depth not read"
    )
  })
)
