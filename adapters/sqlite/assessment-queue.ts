import { Effect, Layer, Option, Schema } from "effect"
import {
  AssessmentQueue,
  type AssessmentJob,
  type AssessmentStatus,
  type ClaimedJob,
  type ResultLocation
} from "../../application/ports/assessment-queue.ts"
import { AssessmentResult } from "../../domain/assessment.ts"
import type { GroupId, SessionId } from "../../domain/ids.ts"
import { query, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

interface JobRow {
  readonly group_id: string
  readonly session_id: string
  readonly status: AssessmentStatus
  readonly attempts: number
  readonly queued_at: number
  readonly updated_at: number
  readonly request_id: string | null
  readonly failure_reason: string | null
  readonly result_location: ResultLocation | null
  readonly result: string | null
}

const decodeResult = Schema.decodeSync(Schema.parseJson(AssessmentResult))
const encodeResult = Schema.encodeSync(Schema.parseJson(AssessmentResult))

const toJob = (row: JobRow): AssessmentJob => ({
  groupId: row.group_id as GroupId,
  sessionId: row.session_id as SessionId,
  status: row.status,
  attempts: row.attempts,
  queuedAt: row.queued_at,
  updatedAt: row.updated_at,
  requestId: Option.fromNullable(row.request_id),
  failureReason: Option.fromNullable(row.failure_reason),
  resultLocation: Option.fromNullable(row.result_location),
  result: Option.map(Option.fromNullable(row.result), decodeResult)
})

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
  const db = yield* SqliteDatabase
  const statements = {
    due: db.prepare(
      `SELECT * FROM assessment_jobs
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
    job: db.prepare("SELECT * FROM assessment_jobs WHERE group_id = ?"),
    jobsOf: db.prepare("SELECT * FROM assessment_jobs WHERE session_id = ? ORDER BY queued_at, rowid"),
    depth: db.prepare(depthSql)
  }

  return AssessmentQueue.of({
    claim: (request) =>
      query("assessment_claim", () =>
        transaction(db, (): Option.Option<ClaimedJob> => {
          for (;;) {
            const row = statements.due.get(request.now) as JobRow | undefined
            if (row === undefined) return Option.none()
            if (row.status === "running" && row.attempts >= request.maxAttempts) {
              statements.failed.run(
                `lease expired on the last attempt (${row.attempts})`,
                request.now,
                row.group_id,
                row.attempts
              )
              continue
            }
            statements.take.run(request.now + request.leaseMillis, request.worker, request.now, row.group_id)
            return Option.some({
              groupId: row.group_id as GroupId,
              sessionId: row.session_id as SessionId,
              attempt: row.attempts + 1,
              queuedAt: row.queued_at,
              requestId: Option.fromNullable(row.request_id)
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
      query("assessment_job", () =>
        Option.map(Option.fromNullable(statements.job.get(groupId) as JobRow | undefined), toJob)
      ),
    jobsOf: (sessionId) =>
      query("assessment_jobs_of", () =>
        (statements.jobsOf.all(sessionId) as unknown as Array<JobRow>).map(toJob)
      ),
    depth: query("assessment_depth", () => {
      const row = statements.depth.get() as { pending: number; running: number }
      return { pending: row.pending, running: row.running }
    })
  })
})

export const layer = Layer.effect(AssessmentQueue, make)
