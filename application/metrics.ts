import { Effect, Metric, MetricBoundaries, MetricLabel } from "effect"
import type { Role } from "../domain/transcript.ts"

/** Every metric the application records, in one place. Names are part of the HTTP contract. */

/** The labels a fiber adds to the series it updates (`Effect.tagMetrics`): this service adds none. */
const NO_FIBER_LABELS: ReadonlyArray<MetricLabel.MetricLabel> = []

/** One update: a histogram's or summary's observation, a counter's increment, a gauge's new value. */
export type MetricUpdate = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, input: In) => void

const unsafeUpdate: MetricUpdate = (metric, input) => metric.unsafeUpdate(input, NO_FIBER_LABELS)

/**
 * Updates `metric` in one runtime step; a gauge takes `input` as its new value (`adjustGauge` moves
 * it). `Metric.update` (and `increment`, `set`) first reads the labels the fiber adds
 * (`Effect.tagMetrics`), two more steps per update on every request; this service tags each series
 * where it is defined (`seriesBy`) and never per fiber. A label added with `Effect.tagMetrics` would
 * not reach a series updated here.
 */
export const updateMetric = <Type, In, Out>(
  metric: Metric.Metric<Type, In, Out>,
  input: In
): Effect.Effect<void> => Effect.sync(() => unsafeUpdate(metric, input))

/** Moves a gauge by `delta` in one runtime step (what `Metric.incrementBy` does to a gauge). */
export const adjustGauge = (gauge: Metric.Metric.Gauge<number>, delta: number): Effect.Effect<void> =>
  Effect.sync(() => gauge.unsafeModify(delta, NO_FIBER_LABELS))

/** Several updates in one runtime step (`updateMetric`). */
export const updateMetrics = (updates: (update: MetricUpdate) => void): Effect.Effect<void> =>
  Effect.sync(() => updates(unsafeUpdate))

/**
 * The series of `metric` for each combination of the `tags`' values, each tagged once and kept. The
 * runtime finds a series' store by its tag array: a metric tagged anew on every update (`Metric.tagged`
 * in the call) builds and hashes its key on every update. The values come from small fixed sets
 * (outcomes, operations, routes), so the series kept stay few. The runtime reuses the tag array only
 * while a fiber adds no labels of its own (`Effect.tagMetrics`), which this service never does.
 */
export const seriesBy = <Type, In, Out, const Tags extends ReadonlyArray<string>>(
  metric: Metric.Metric<Type, In, Out>,
  ...tags: Tags
) => {
  const series = new Map<string, Metric.Metric<Type, In, Out>>()
  return (...values: { readonly [K in keyof Tags]: string }): Metric.Metric<Type, In, Out> => {
    const key = values.join("\n")
    const known = series.get(key)
    if (known !== undefined) return known
    const tagged = Metric.taggedWithLabels(
      metric,
      tags.map((tag, index) => MetricLabel.make(tag, values[index] ?? ""))
    )
    series.set(key, tagged)
    return tagged
  }
}

const latencySeconds = MetricBoundaries.fromIterable([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
])
const messageCounts = MetricBoundaries.fromIterable([0, 1, 2, 5, 10, 20, 50, 100, 200])

export const transcriptPersistTotal = Metric.counter("coachup_transcript_persist_total", {
  description:
    "Transcript writes by outcome (inserted, duplicate, conflict, completed, queued, delivered, dropped_opt_out, dropped_deleted) and role",
  incremental: true
})

const transcriptPersistBy = seriesBy(transcriptPersistTotal, "outcome", "role")

/** Counts one transcript write by its outcome and the message's role. */
export const countPersist = (outcome: string, role: Role) =>
  updateMetric(transcriptPersistBy(outcome, role), 1)

export const transcriptPersistSeconds = Metric.histogram(
  "coachup_transcript_persist_seconds",
  latencySeconds,
  "Time to write one transcript item to the durable store, in seconds"
)

export const persistSkippedPrivacyTotal = Metric.counter("coachup_persist_skipped_privacy_total", {
  description: "Messages kept in memory only because of a privacy opt-out or disabled persistence",
  incremental: true
})

export const sessionMemoryMissesTotal = Metric.counter("coachup_session_memory_misses_total", {
  description:
    "Model windows of an opted-out session whose earlier messages this process's memory does not hold (another process, or a restart, has them), by purpose",
  incremental: true
})
export const sessionMemoryMissesBy = seriesBy(sessionMemoryMissesTotal, "purpose")

export const storeQuerySeconds = Metric.histogram(
  "coachup_store_query_seconds",
  latencySeconds,
  "Durable store call latency by operation, in seconds"
)
export const storeQuerySecondsBy = seriesBy(storeQuerySeconds, "op")

export const storeErrorsTotal = Metric.counter("coachup_store_errors_total", {
  description: "Durable store calls that failed or timed out, by operation",
  incremental: true
})
export const storeErrorsBy = seriesBy(storeErrorsTotal, "op")

export const outboxDepth = Metric.gauge("coachup_outbox_depth", {
  description: "Transcript writes waiting in the durable outbox for the store to take them"
})

export const outboxOldestAgeSeconds = Metric.gauge("coachup_outbox_oldest_age_seconds", {
  description: "Seconds since the oldest write waiting in the outbox was queued; 0 when it is empty"
})

export const transcriptWritesRefusedTotal = Metric.counter("coachup_transcript_writes_refused_total", {
  description:
    "Transcript writes neither the store nor the outbox took (answered 503), by reason (outbox_full, outbox_unavailable, privacy_unknown)",
  incremental: true
})
export const transcriptWritesRefusedBy = seriesBy(transcriptWritesRefusedTotal, "reason")

export const sessionMemorySessions = Metric.gauge("coachup_session_memory_sessions", {
  description: "Sessions whose recent transcript is held in process memory"
})

export const sessionMemoryBytes = Metric.gauge("coachup_session_memory_bytes", {
  description:
    "Bytes the in-memory transcript holds: its strings' characters and a fixed allowance per message and session"
})

export const sessionMemoryEvictionsTotal = Metric.counter("coachup_session_memory_evictions_total", {
  description:
    "Whole sessions the in-memory transcript forgot, by reason (bytes: over SESSION_MEMORY_MAX_BYTES, count: over SESSION_MEMORY_MAX_SESSIONS, idle)",
  incremental: true
})

export const chatContextMessages = Metric.histogram(
  "coachup_chat_context_messages",
  messageCounts,
  "Messages in each chat context window"
)

export const classifierContextMessages = Metric.histogram(
  "coachup_classifier_context_messages",
  messageCounts,
  "Messages in each classifier context window"
)

const tokenCounts = MetricBoundaries.exponential({ start: 64, factor: 2, count: 13 })

export const chatContextTokens = Metric.histogram(
  "coachup_chat_context_tokens",
  tokenCounts,
  "Tokens of each chat context window: system prompt and messages, as the chat model's tokenizer counts them"
)

export const classifierContextTokens = Metric.histogram(
  "coachup_classifier_context_tokens",
  tokenCounts,
  "Tokens of each classifier context window: system prompt and messages"
)

export const contextTruncatedTotal = Metric.counter("coachup_context_truncated_total", {
  description: "Windows whose newest message alone exceeded the token budget and was cut, by purpose",
  incremental: true
})
export const contextTruncatedBy = seriesBy(contextTruncatedTotal, "purpose")

export const classifierContextLengthChars = Metric.histogram(
  "coachup_classifier_context_length_chars",
  MetricBoundaries.exponential({ start: 64, factor: 2, count: 12 }),
  "Characters of message text in each classifier context window"
)

export const classifierContextBuildTotal = Metric.counter("coachup_classifier_context_build_total", {
  description:
    "Classifier context windows built, by outcome (store, not_persisted, configured, store_error, store_empty)",
  incremental: true
})
export const classifierContextBuildBy = seriesBy(classifierContextBuildTotal, "outcome")

const turnSeconds = MetricBoundaries.fromIterable([
  0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.2, 1.5, 2, 2.5, 3, 5, 10, 30, 60
])

export const chatTtftSeconds = Metric.histogram(
  "coachup_chat_ttft_seconds",
  turnSeconds,
  "Time from a chat request to the reply's first text, in seconds (SLO: p95 under 1.2 s)"
)

export const chatDurationSeconds = Metric.histogram(
  "coachup_chat_duration_seconds",
  turnSeconds,
  "Time from a chat request to the reply's end, in seconds (SLO: p95 under 2.5 s)"
)

export const chatTokensTotal = Metric.counter("coachup_chat_tokens_total", {
  description: "Tokens of chat turns as the provider reports them, by kind (input, output)",
  incremental: true
})
export const chatTokensBy = seriesBy(chatTokensTotal, "kind")

export const chatTurnsTotal = Metric.counter("coachup_chat_turns_total", {
  description: "Chat turns by outcome (completed, failed, disconnected)",
  incremental: true
})
export const chatTurnsBy = seriesBy(chatTurnsTotal, "outcome")

export const replySavesTotal = Metric.counter("coachup_reply_saves_total", {
  description:
    "Saves of a streaming reply's text so far, by outcome (saved, not_in_progress, failed); a failed save does not fail the turn",
  incremental: true
})
export const replySavesBy = seriesBy(replySavesTotal, "outcome")

export const repliesAbandonedTotal = Metric.counter("coachup_replies_abandoned_total", {
  description:
    "Replies left in progress by a process that died, finished as incomplete with their saved text",
  incremental: true
})

export const classifierDecisionsTotal = Metric.counter("coachup_classifier_decisions_total", {
  description: "Boundary decisions by the classifier's answer (start, continue, end, one_off, ignore)",
  incremental: true
})
export const classifierDecisionsBy = seriesBy(classifierDecisionsTotal, "decision")

export const classifierConfidence = Metric.histogram(
  "coachup_classifier_confidence",
  MetricBoundaries.fromIterable([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]),
  "Confidence of each boundary decision, 0..1"
)

export const classificationOrderWaitsTotal = Metric.counter("coachup_classification_order_waits_total", {
  description:
    "Classifications that found the session's message before them not classified yet, by how the wait ended (arrived: it was classified meanwhile; skipped: CLASSIFICATION_ORDER_WAIT_MS passed and the classification went ahead without it)",
  incremental: true
})
export const classificationOrderWaitsBy = seriesBy(classificationOrderWaitsTotal, "outcome")

export const classifierFailuresTotal = Metric.counter("coachup_classifier_failures_total", {
  description: "Classifier calls that failed or answered malformed, by reason; each was taken as ignore",
  incremental: true
})
export const classifierFailuresBy = seriesBy(classifierFailuresTotal, "reason")

const assessmentSeconds = MetricBoundaries.fromIterable([
  0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 6, 8, 10, 15, 30, 60, 120
])

export const assessmentDurationSeconds = Metric.histogram(
  "coachup_assessment_duration_seconds",
  assessmentSeconds,
  "Time from a group's assessment being queued to its result being stored, in seconds (SLO: p95 under 8 s)"
)

export const assessmentJobsTotal = Metric.counter("coachup_assessment_jobs_total", {
  description: "Assessment jobs by outcome (queued, completed, retried, failed, lost_lease)",
  incremental: true
})
export const assessmentJobsBy = seriesBy(assessmentJobsTotal, "outcome")

export const assessmentQueueDepth = Metric.gauge("coachup_assessment_queue_depth", {
  description: "Assessment jobs waiting or running, by state (pending, running), as the queue last reported"
})
export const assessmentQueueDepthBy = seriesBy(assessmentQueueDepth, "state")
