import { Effect, Layer, Option, Schema } from "effect"
import { AssessmentQueue, type ClaimedJob } from "../../application/ports/assessment-queue.ts"
import { AssessmentJob, AssessmentResult, ResultLocation } from "../../domain/assessment.ts"
import { SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

/** The columns of a job, named as its fields. */
const COLUMNS = `group_id AS groupId, session_id AS sessionId, status, attempts, queued_at AS queuedAt,
  updated_at AS updatedAt, request_id AS requestId, failure_reason AS failureReason,
  result_location AS resultLocation, result`

/** An `assessment_jobs` row: NULL for none, the result as JSON. */
const decodeJob = Schema.decodeUnknownSync(
  Schema.Struct({
    ...AssessmentJob.fields,
    requestId: Schema.OptionFromNullOr(Schema.String),
    failureReason: Schema.OptionFromNullOr(Schema.String),
    resultLocation: Schema.OptionFromNullOr(ResultLocation),
    result: Schema.OptionFromNullOr(Schema.parseJson(AssessmentResult))
  })
)
const encodeResult = Schema.encodeSync(Schema.parseJson(AssessmentResult))
const decodeDepth = Schema.decodeUnknownSync(
  Schema.Struct({ pending: Schema.Number, running: Schema.Number })
)

/**
 * Queue depth as one scalar subquery per status, so each counts over its partial index
 * (`assessment_jobs_pending`, `assessment_jobs_running`) instead of scanning a table that keeps
 * every finished job.
 */
export const depthSql = `SELECT (SELECT COUNT(*) FROM assessment_jobs WHERE status = 'pending') AS pending,
  (SELECT COUNT(*) FROM assessment_jobs WHERE status = 'running') AS running`

/**
 * `AssessmentQueue` on the `assessment_jobs` table, which `InteractionStore` commits fill. A claim
 * is one immediate transaction, so two workers (or processes on one file) never hold the same job;
 * completions are fenced by the attempt number.
 */
export const make = Effect.gen(function* () {
  const { db, query } = yield* SqliteDatabase
  const statements = {
    due: db.prepare(
      `SELECT ${COLUMNS} FROM assessment_jobs
       WHERE (status = 'pending' AND run_after <= ?1) OR (status = 'running' AND lease_until <= ?1)
       ORDER BY queued_at, rowid LIMIT 1`
    ),
    take: db.prepare(
      `UPDATE assessment_jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, worker = ?,
         updated_at = ? WHERE group_id = ?`
    ),
    complete: db.prepare(
      `UPDATE assessment_jobs SET status = 'completed', lease_until = NULL, updated_at = ?, failure_reason = NULL,
         result_location = ?, result = ?
       WHERE group_id = ? AND status = 'running' AND attempts = ?`
    ),
    retry: db.prepare(
      `UPDATE assessment_jobs SET status = 'pending', lease_until = NULL, run_after = ?, failure_reason = ?,
         updated_at = ? WHERE group_id = ? AND status = 'running' AND attempts = ?`
    ),
    failed: db.prepare(
      `UPDATE assessment_jobs SET status = 'failed', lease_until = NULL, failure_reason = ?, updated_at = ?
       WHERE group_id = ? AND status = 'running' AND attempts = ?`
    ),
    job: db.prepare(`SELECT ${COLUMNS} FROM assessment_jobs WHERE group_id = ?`),
    jobsOf: db.prepare(
      `SELECT ${COLUMNS} FROM assessment_jobs WHERE session_id = ? ORDER BY queued_at, rowid`
    ),
    depth: db.prepare(depthSql)
  }

  return AssessmentQueue.of({
    claim: (request) =>
      query("assessment_claim", () =>
        transaction(db, (): Option.Option<ClaimedJob> => {
          for (;;) {
            const row = statements.due.get(request.now)
            if (row === undefined) return Option.none()
            const job = decodeJob(row)
            if (job.status === "running" && job.attempts >= request.maxAttempts) {
              statements.failed.run(
                `lease expired on the last attempt (${job.attempts})`,
                request.now,
                job.groupId,
                job.attempts
              )
              continue
            }
            statements.take.run(request.now + request.leaseMillis, request.worker, request.now, job.groupId)
            return Option.some({
              groupId: job.groupId,
              sessionId: job.sessionId,
              attempt: job.attempts + 1,
              queuedAt: job.queuedAt,
              requestId: job.requestId
            })
          }
        })
      ),
    complete: (job, completion, now) =>
      query("assessment_complete", () =>
        statements.complete.run(
          now,
          completion.location,
          completion.location === "store" ? encodeResult(completion.result) : null,
          job.groupId,
          job.attempt
        ).changes === 1
          ? ("completed" as const)
          : ("lost" as const)
      ),
    fail: (job, reason, retryAt, now) =>
      query("assessment_fail", () =>
        Option.match(retryAt, {
          onNone: () =>
            statements.failed.run(reason, now, job.groupId, job.attempt).changes === 1
              ? ("failed" as const)
              : ("lost" as const),
          onSome: (at) =>
            statements.retry.run(at, reason, now, job.groupId, job.attempt).changes === 1
              ? ("retrying" as const)
              : ("lost" as const)
        })
      ),
    job: (groupId) =>
      query("assessment_job", () => Option.map(Option.fromNullable(statements.job.get(groupId)), decodeJob)),
    jobsOf: (sessionId) =>
      query("assessment_jobs_of", () => statements.jobsOf.all(sessionId).map((row) => decodeJob(row))),
    depth: query("assessment_depth", () => decodeDepth(statements.depth.get()))
  })
})

export const layer = Layer.effect(AssessmentQueue, make)
