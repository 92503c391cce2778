import { Effect, Layer, Option, Redacted } from "effect"
import { AssessmentQueue, type AssessmentJob } from "../../application/ports/assessment-queue.ts"
import type { GroupId, SessionId } from "../../domain/ids.ts"
import { call, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"
import type { Doc } from "./functions/_generated/dataModel.js"

type JobDoc = Omit<Doc<"assessmentJobs">, "_id" | "_creationTime">

const toJob = (doc: JobDoc): AssessmentJob => ({
  groupId: doc.groupId as GroupId,
  sessionId: doc.sessionId as SessionId,
  status: doc.status,
  attempts: doc.attempts,
  queuedAt: doc.queuedAt,
  updatedAt: doc.updatedAt,
  requestId: Option.fromNullable(doc.requestId),
  failureReason: Option.fromNullable(doc.failureReason),
  resultLocation: Option.fromNullable(doc.resultLocation),
  // Scores were checked against 1..5 before they were stored.
  result: Option.fromNullable(doc.result) as AssessmentJob["result"]
})

/** `AssessmentQueue` on Convex: claims and completions are serializable mutations. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return AssessmentQueue.of({
    claim: (request) =>
      Effect.map(
        call("assessment_claim", () => caller.mutation(api.assessments.claim, { secret, ...request })),
        (claimed) =>
          Option.map(Option.fromNullable(claimed), (job) => ({
            groupId: job.groupId as GroupId,
            sessionId: job.sessionId as SessionId,
            attempt: job.attempt,
            queuedAt: job.queuedAt,
            requestId: Option.fromNullable(job.requestId)
          }))
      ),
    complete: (job, completion, now) =>
      call("assessment_complete", () =>
        caller.mutation(api.assessments.complete, {
          secret,
          groupId: job.groupId,
          attempt: job.attempt,
          now,
          resultLocation: completion.location,
          ...(completion.location === "store"
            ? {
                result: {
                  ...completion.result,
                  scores: completion.result.scores.map((score) => ({ ...score }))
                }
              }
            : {})
        })
      ),
    fail: (job, reason, retryAt, now) =>
      call("assessment_fail", () =>
        caller.mutation(api.assessments.fail, {
          secret,
          groupId: job.groupId,
          attempt: job.attempt,
          now,
          reason,
          ...Option.match(retryAt, { onNone: () => ({}), onSome: (at) => ({ retryAt: at }) })
        })
      ),
    job: (groupId) =>
      Effect.map(
        call("assessment_job", () => caller.query(api.assessments.job, { secret, groupId })),
        (doc) => Option.map(Option.fromNullable(doc), toJob)
      ),
    jobsOf: (sessionId) =>
      Effect.map(
        call("assessment_jobs_of", () => caller.query(api.assessments.jobsOf, { secret, sessionId })),
        (docs) => docs.map(toJob)
      ),
    depth: call("assessment_depth", () => caller.query(api.assessments.depth, { secret }))
  })
})

export const layer = Layer.effect(AssessmentQueue, make)
