import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { AssessmentQueue, type ClaimedJob } from "../../application/ports/assessment-queue.ts"
import { AssessmentJob } from "../../domain/assessment.ts"
import { GroupId, SessionId } from "../../domain/ids.ts"
import { call, callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeJob = Schema.decodeUnknownSync(Schema.OptionFromNullOr(AssessmentJob))
const decodeJobs = Schema.decodeUnknownSync(Schema.Array(AssessmentJob))
const decodeClaimed = Schema.decodeUnknownSync(
  Schema.OptionFromNullOr(
    Schema.Struct({
      groupId: GroupId,
      sessionId: SessionId,
      attempt: Schema.Number,
      queuedAt: Schema.Number,
      requestId: Schema.OptionFromNullOr(Schema.String)
    })
  )
)

/** `AssessmentQueue` on Convex: claims and completions are serializable mutations. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  /** What completing or failing a job names: the attempt that holds it. */
  const held = (job: ClaimedJob, now: number) => ({ secret, groupId: job.groupId, attempt: job.attempt, now })
  return AssessmentQueue.of({
    claim: (request) =>
      callDecoded("assessment_claim", decodeClaimed, () =>
        caller.mutation(api.assessments.claim, { secret, ...request })
      ),
    complete: (job, completion, now) =>
      call("assessment_complete", () =>
        caller.mutation(api.assessments.complete, {
          ...held(job, now),
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
          ...held(job, now),
          reason,
          ...Option.match(retryAt, { onNone: () => ({}), onSome: (at) => ({ retryAt: at }) })
        })
      ),
    job: (groupId) =>
      callDecoded("assessment_job", decodeJob, () => caller.query(api.assessments.job, { secret, groupId })),
    jobsOf: (sessionId) =>
      callDecoded("assessment_jobs_of", decodeJobs, () =>
        caller.query(api.assessments.jobsOf, { secret, sessionId })
      ),
    depth: call("assessment_depth", () => caller.query(api.assessments.depth, { secret }))
  })
})

export const layer = Layer.effect(AssessmentQueue, make)
