import { Clock, Duration, Effect, Layer } from "effect"
import { repliesAbandonedTotal, updateMetric } from "./metrics.ts"
import { forkPeriodic } from "./periodic.ts"
import { ReplyWriters } from "./ports/reply-writers.ts"
import { type AbandonedReplies, TranscriptStore } from "./ports/transcript-store.ts"
import { ReplySettings } from "./reply-recorder.ts"
import { spanWhenTraced } from "./traced.ts"

/** Finishes the replies their writers abandoned (`incomplete`, with the text last saved); answers how many. */
export const FinishAbandonedReplies = Effect.fnUntraced(function* (replies: AbandonedReplies) {
  const store = yield* TranscriptStore
  const finished = yield* store.finishAbandonedReplies(replies)
  if (finished > 0) {
    yield* updateMetric(repliesAbandonedTotal, finished)
    yield* Effect.logWarning("replies left in progress by a stopped process finished as incomplete").pipe(
      Effect.annotateLogs({ finished })
    )
  }
  return finished
}, spanWhenTraced("FinishAbandonedReplies"))

/** The replies whose lease has lapsed by now; one never leased gets a full lease from now. */
const lapsedLeases = Effect.flatMap(
  Effect.all([ReplySettings, Clock.currentTimeMillis]),
  ([{ lease }, now]) =>
    FinishAbandonedReplies({ leaseEndedBefore: now, unleasedUntil: now + Duration.toMillis(lease) })
)

/**
 * Replies a process that died left `in_progress` end up `incomplete` with the text last saved. When
 * this process is the store's only writer (SQLite), every reply in progress at its start is such a
 * reply: they are finished before the layer is built, so before the service answers. On any store,
 * a sweep finishes the replies whose lease lapsed, every third of REPLY_LEASE_MS: at most
 * REPLY_LEASE_MS and a third (40 s by default) after the last save of a process that died, and a
 * reply it died before saving once at most a third more (50 s) after its row was written.
 */
export const layerAbandonedReplySweep = Layer.scopedDiscard(
  Effect.gen(function* () {
    const { lease } = yield* ReplySettings
    const { onlyThisProcess } = yield* ReplyWriters
    if (onlyThisProcess)
      yield* FinishAbandonedReplies({ leaseEndedBefore: Number.MAX_SAFE_INTEGER, unleasedUntil: 0 }).pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("replies left in progress not finished at start").pipe(
            Effect.annotateLogs({ operation: error.operation, reason: error.reason })
          )
        )
      )
    yield* forkPeriodic(lapsedLeases, Duration.unsafeDivide(lease, 3), "abandoned-reply sweep failed")
  })
)
