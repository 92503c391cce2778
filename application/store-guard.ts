import { Duration, Effect, Layer, Metric } from "effect"
import { StoreUnavailable } from "../domain/errors.ts"
import { ConversationSettings } from "./conversation-settings.ts"
import { storeErrorsTotal, storeQuerySeconds } from "./metrics.ts"
import { AssessmentQueue } from "./ports/assessment-queue.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"

/**
 * Every durable store call gets a deadline, a span, a latency histogram and an error counter
 * here, once, whatever adapter serves the port.
 */
const guarded =
  (port: string, timeout: Duration.Duration) =>
  <A, R>(op: string, call: Effect.Effect<A, StoreUnavailable, R>): Effect.Effect<A, StoreUnavailable, R> =>
    call.pipe(
      Effect.timeoutFail({
        duration: timeout,
        onTimeout: () => new StoreUnavailable({ operation: op, reason: "timed out" })
      }),
      Effect.timed,
      Effect.tap(([elapsed]) =>
        Metric.update(Metric.tagged(storeQuerySeconds, "op", op), Duration.toSeconds(elapsed))
      ),
      Effect.map(([, value]) => value),
      Effect.tapError(() => Metric.increment(Metric.tagged(storeErrorsTotal, "op", op))),
      Effect.withSpan(`${port}.${op}`)
    )

/** How many single-call deadlines a bulk delete may take. */
const BULK_DEADLINE_FACTOR = 30

export const layerGuardedTranscriptStore = Layer.effect(
  TranscriptStore,
  Effect.gen(function* () {
    const store = yield* TranscriptStore
    const { storeTimeout } = yield* ConversationSettings
    const guard = guarded("TranscriptStore", storeTimeout)
    const bulk = guarded("TranscriptStore", Duration.times(storeTimeout, BULK_DEADLINE_FACTOR))
    return TranscriptStore.of({
      append: (item) => guard("append", store.append(item)),
      finishReply: (item) => guard("finish_reply", store.finishReply(item)),
      lastN: (sessionId, limit) => guard("last_n", store.lastN(sessionId, limit)),
      page: (sessionId, request) => guard("page", store.page(sessionId, request)),
      // Bulk deletes run batch after batch (Convex): they get a longer deadline than one call.
      deleteSession: (sessionId) => bulk("delete_session", store.deleteSession(sessionId)),
      deleteOlderThan: (cutoff) => bulk("delete_older_than", store.deleteOlderThan(cutoff)),
      ping: guard("ping", store.ping)
    })
  })
)

export const layerGuardedPrivacySettingsStore = Layer.effect(
  PrivacySettingsStore,
  Effect.gen(function* () {
    const store = yield* PrivacySettingsStore
    const guard = guarded("PrivacySettingsStore", (yield* ConversationSettings).storeTimeout)
    return PrivacySettingsStore.of({
      getUser: (userId) => guard("privacy_get_user", store.getUser(userId)),
      setUser: (userId, optOut) => guard("privacy_set_user", store.setUser(userId, optOut)),
      getSession: (sessionId) => guard("privacy_get_session", store.getSession(sessionId)),
      setSession: (sessionId, optOut) => guard("privacy_set_session", store.setSession(sessionId, optOut))
    })
  })
)

export const layerGuardedInteractionStore = Layer.effect(
  InteractionStore,
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const { storeTimeout } = yield* ConversationSettings
    const guard = guarded("InteractionStore", storeTimeout)
    const bulk = guarded("InteractionStore", Duration.times(storeTimeout, BULK_DEADLINE_FACTOR))
    return InteractionStore.of({
      classificationOf: (messageId) => guard("classification_of", store.classificationOf(messageId)),
      interaction: (sessionId) => guard("interaction", store.interaction(sessionId)),
      commit: (commit) => guard("interaction_commit", store.commit(commit)),
      groups: (sessionId) => guard("groups", store.groups(sessionId)),
      groupMessages: (groupId) => guard("group_messages", store.groupMessages(groupId)),
      idleSessions: (before) => guard("idle_sessions", store.idleSessions(before)),
      deleteSession: (sessionId) => bulk("interaction_delete_session", store.deleteSession(sessionId))
    })
  })
)

export const layerGuardedAssessmentQueue = Layer.effect(
  AssessmentQueue,
  Effect.gen(function* () {
    const queue = yield* AssessmentQueue
    const guard = guarded("AssessmentQueue", (yield* ConversationSettings).storeTimeout)
    return AssessmentQueue.of({
      claim: (request) => guard("assessment_claim", queue.claim(request)),
      complete: (job, completion, now) => guard("assessment_complete", queue.complete(job, completion, now)),
      fail: (job, reason, retryAt, now) => guard("assessment_fail", queue.fail(job, reason, retryAt, now)),
      job: (groupId) => guard("assessment_job", queue.job(groupId)),
      jobsOf: (sessionId) => guard("assessment_jobs_of", queue.jobsOf(sessionId)),
      depth: guard("assessment_depth", queue.depth)
    })
  })
)
