import { Effect, Option } from "effect"
import type { GroupId, SessionId, UserId } from "../domain/ids.ts"
import { AssessmentMemory } from "./ports/assessment-memory.ts"
import { AssessmentQueue, type AssessmentJob } from "./ports/assessment-queue.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { spanWhenTraced } from "./traced.ts"

/** A group's assessment as callers see it: the job's state and, once completed, the result. */
export type AssessmentView = Omit<AssessmentJob, "requestId" | "resultLocation">

const LOST_FROM_MEMORY =
  "the transcript of this session is not stored, so its assessment was kept in server memory only and is gone " +
  "(the server restarted, or another instance holds it)"

const toView = (job: AssessmentJob) =>
  Effect.gen(function* () {
    const heldInMemory = Option.contains(job.resultLocation, "memory")
    const result = heldInMemory
      ? yield* Effect.flatMap(AssessmentMemory, (memory) => memory.get(job.groupId))
      : job.result
    const view: AssessmentView = {
      groupId: job.groupId,
      sessionId: job.sessionId,
      status: job.status,
      attempts: job.attempts,
      queuedAt: job.queuedAt,
      updatedAt: job.updatedAt,
      failureReason:
        heldInMemory && Option.isNone(result) ? Option.some(LOST_FROM_MEMORY) : job.failureReason,
      result
    }
    return view
  })

/** One group's assessment, if one was ever queued for it. */
export const ReadAssessment = Effect.fnUntraced(function* (groupId: GroupId) {
  const job = yield* Effect.flatMap(AssessmentQueue, (queue) => queue.job(groupId))
  return Option.isSome(job) ? Option.some(yield* toView(job.value)) : Option.none<AssessmentView>()
}, spanWhenTraced("ReadAssessment"))

/** A session's assessments, oldest first. */
export const ReadSessionAssessments = Effect.fnUntraced(function* (sessionId: SessionId) {
  const jobs = yield* Effect.flatMap(AssessmentQueue, (queue) => queue.jobsOf(sessionId))
  return yield* Effect.forEach(jobs, toView)
}, spanWhenTraced("ReadSessionAssessments"))

/** How far back a user's assessments reach: their most recently active sessions, and the newest of those sessions' assessments. */
export const USER_ASSESSMENT_SESSIONS = 50
export const USER_ASSESSMENT_LIMIT = 200

/** Sessions read at once. */
const CONCURRENCY = 8

/**
 * A user's assessments across their sessions, oldest first: the newest `USER_ASSESSMENT_LIMIT` of
 * their `USER_ASSESSMENT_SESSIONS` most recently active sessions, so the read stays bounded however
 * long someone has practised.
 */
export const ReadUserAssessments = Effect.fnUntraced(function* (userId: UserId) {
  const { sessions } = yield* Effect.flatMap(SessionOwners, (owners) =>
    owners.sessionsOf(userId, { limit: USER_ASSESSMENT_SESSIONS, after: Option.none() })
  )
  const queue = yield* AssessmentQueue
  const jobs = (yield* Effect.forEach(sessions, (session) => queue.jobsOf(session.sessionId), {
    concurrency: CONCURRENCY
  })).flat()
  const newest = jobs
    .sort((a, b) => a.queuedAt - b.queuedAt || a.groupId.localeCompare(b.groupId))
    .slice(-USER_ASSESSMENT_LIMIT)
  return yield* Effect.forEach(newest, toView)
}, spanWhenTraced("ReadUserAssessments"))
