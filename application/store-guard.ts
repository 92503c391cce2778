import { Cause, Duration, Effect, Layer, Option } from "effect"
import { StoreUnavailable } from "../domain/errors.ts"
import { duration } from "./config-values.ts"
import { storeErrorsBy, storeQuerySecondsBy, updateMetric } from "./metrics.ts"
import { AssessmentQueue } from "./ports/assessment-queue.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { StoreCalls } from "./ports/store-calls.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { spanWhenTraced } from "./traced.ts"

/**
 * Every durable store call gets a span (when traces are exported), a latency histogram and an error
 * counter here, once, whatever adapter serves the port; and a deadline when the adapter's calls can
 * wait (`StoreCalls`).
 */
const guarded =
  (port: string, timeout: Option.Option<Duration.Duration>) =>
  <A, E, R>(op: string, call: Effect.Effect<A, E, R>): Effect.Effect<A, E | StoreUnavailable, R> => {
    const bounded = Option.isSome(timeout)
      ? Effect.timeoutFail(call, {
          duration: timeout.value,
          onTimeout: () => new StoreUnavailable({ operation: op, reason: "timed out" })
        })
      : call
    // A success's latency, a failure's count (not an interruption's). A match, not a finalizer
    // (`onExit`), costs the call less; a call whose fiber is being interrupted records nothing, even a
    // failure that lands meanwhile.
    const measured = Effect.clockWith((clock) => {
      const started = clock.unsafeCurrentTimeNanos()
      return Effect.matchCauseEffect(bounded, {
        onSuccess: (value) =>
          Effect.as(
            updateMetric(storeQuerySecondsBy(op), Number(clock.unsafeCurrentTimeNanos() - started) / 1e9),
            value
          ),
        onFailure: (cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause)
            : Effect.zipRight(updateMetric(storeErrorsBy(op), 1), Effect.failCause(cause))
      })
    })
    return spanWhenTraced(`${port}.${op}`)(measured)
  }

/** What the guarded layers read: one store call's deadline. */
export const config = duration("STORE_TIMEOUT_MS", 2000)

/** How many single-call deadlines a bulk delete may take. */
const BULK_DEADLINE_FACTOR = 30

/**
 * The deadline of one call (`STORE_TIMEOUT_MS`), when the stores' calls can wait; a bulk delete's is
 * longer.
 */
const deadlines = Effect.gen(function* () {
  const storeTimeout = yield* config
  const { canWait } = yield* StoreCalls
  const single = canWait ? Option.some(storeTimeout) : Option.none()
  return { single, bulk: Option.map(single, (timeout) => Duration.times(timeout, BULK_DEADLINE_FACTOR)) }
})

export const layerGuardedTranscriptStore = Layer.effect(
  TranscriptStore,
  Effect.gen(function* () {
    const store = yield* TranscriptStore
    const deadline = yield* deadlines
    const guard = guarded("TranscriptStore", deadline.single)
    const bulk = guarded("TranscriptStore", deadline.bulk)
    return TranscriptStore.of({
      append: (item) => guard("append", store.append(item)),
      finishReply: (item) => guard("finish_reply", store.finishReply(item)),
      saveReplyText: (progress) => guard("save_reply_text", store.saveReplyText(progress)),
      markReplaced: (sessionId, messageId) =>
        guard("mark_replaced", store.markReplaced(sessionId, messageId)),
      // A sweep may run batch after batch (Convex), like a bulk delete.
      finishAbandonedReplies: (replies) =>
        bulk("finish_abandoned_replies", store.finishAbandonedReplies(replies)),
      latestReply: (sessionId) => guard("latest_reply", store.latestReply(sessionId)),
      reply: (sessionId, messageId) => guard("reply", store.reply(sessionId, messageId)),
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
    const guard = guarded("PrivacySettingsStore", (yield* deadlines).single)
    return PrivacySettingsStore.of({
      getUser: (userId) => guard("privacy_get_user", store.getUser(userId)),
      setUser: (userId, optOut) => guard("privacy_set_user", store.setUser(userId, optOut)),
      getSession: (sessionId) => guard("privacy_get_session", store.getSession(sessionId)),
      setSession: (sessionId, optOut) => guard("privacy_set_session", store.setSession(sessionId, optOut)),
      getOptOuts: (userId, sessionId) => guard("privacy_get_opt_outs", store.getOptOuts(userId, sessionId)),
      deleteUser: (userId) => guard("privacy_delete_user", store.deleteUser(userId)),
      deleteSession: (sessionId) => guard("privacy_delete_session", store.deleteSession(sessionId))
    })
  })
)

export const layerGuardedSessionOwners = Layer.effect(
  SessionOwners,
  Effect.gen(function* () {
    const store = yield* SessionOwners
    const guard = guarded("SessionOwners", (yield* deadlines).single)
    return SessionOwners.of({
      ownerOf: (sessionId) => guard("owner_of", store.ownerOf(sessionId)),
      claim: (sessionId, writer) => guard("claim_session", store.claim(sessionId, writer)),
      sessionsOf: (owner, request) => guard("sessions_of", store.sessionsOf(owner, request)),
      countUnstored: (sessionId, ts) => guard("count_unstored", store.countUnstored(sessionId, ts)),
      messageCountOf: (sessionId) => guard("message_count_of", store.messageCountOf(sessionId)),
      release: (sessionId) => guard("release_session", store.release(sessionId))
    })
  })
)

export const layerGuardedInteractionStore = Layer.effect(
  InteractionStore,
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const deadline = yield* deadlines
    const guard = guarded("InteractionStore", deadline.single)
    const bulk = guarded("InteractionStore", deadline.bulk)
    return InteractionStore.of({
      classificationOf: (sessionId, messageId) =>
        guard("classification_of", store.classificationOf(sessionId, messageId)),
      interaction: (sessionId) => guard("interaction", store.interaction(sessionId)),
      commit: (commit) => guard("interaction_commit", store.commit(commit)),
      groups: (sessionId) => guard("groups", store.groups(sessionId)),
      groupMessages: (groupId) => guard("group_messages", store.groupMessages(groupId)),
      idleSessions: (before) => guard("idle_sessions", store.idleSessions(before)),
      deleteOlderThan: (cutoff) => bulk("interaction_delete_older_than", store.deleteOlderThan(cutoff)),
      deleteSession: (sessionId) => bulk("interaction_delete_session", store.deleteSession(sessionId))
    })
  })
)

export const layerGuardedAssessmentQueue = Layer.effect(
  AssessmentQueue,
  Effect.gen(function* () {
    const queue = yield* AssessmentQueue
    const guard = guarded("AssessmentQueue", (yield* deadlines).single)
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

export const layerGuardedTranscriptOutbox = Layer.effect(
  TranscriptOutbox,
  Effect.gen(function* () {
    const outbox = yield* TranscriptOutbox
    // A local file, called on the caller's thread like SQLite's store: no deadline.
    const guard = guarded("TranscriptOutbox", Option.none())
    return TranscriptOutbox.of({
      enqueue: (entry) => guard("outbox_enqueue", outbox.enqueue(entry)),
      oldest: (limit) => guard("outbox_oldest", outbox.oldest(limit)),
      remove: (entry) => guard("outbox_remove", outbox.remove(entry)),
      deleteSession: (sessionId) => guard("outbox_delete_session", outbox.deleteSession(sessionId)),
      holds: (sessionId) => guard("outbox_holds", outbox.holds(sessionId)),
      stats: guard("outbox_stats", outbox.stats),
      byOthers: outbox.byOthers
    })
  })
)
