import { Context, Effect, Layer, Option, Schema } from "effect"
import { AssessmentQueue, type AssessmentJob } from "../../application/ports/assessment-queue.ts"
import { GroupId, SessionId } from "../../domain/ids.ts"
import type { QueuedJob } from "../../domain/interaction-commit.ts"

const decodeJobIds = Schema.decodeUnknownSync(Schema.Struct({ groupId: GroupId, sessionId: SessionId }))

interface JobEntry extends AssessmentJob {
  readonly runAfter: number
  readonly leaseUntil: number
}

/** Deletes the entries of `map` whose value matches; answers how many. */
export const deleteWhere = <K, V>(map: Map<K, V>, matches: (value: V) => boolean) => {
  let deleted = 0
  for (const [key, value] of map)
    if (matches(value)) {
      map.delete(key)
      deleted++
    }
  return deleted
}

/** The jobs table in memory, shared by the memory `InteractionStore` (which queues) and the queue. */
export class AssessmentJobTable extends Context.Tag("coachup/memory/AssessmentJobTable")<
  AssessmentJobTable,
  {
    readonly jobs: Map<string, JobEntry>
    /** Queues a group's assessment, pending from now. */
    readonly queue: (job: QueuedJob) => void
    readonly deleteSession: (sessionId: SessionId) => void
    /** Forgets the jobs queued before `cutoff`; answers how many. */
    readonly deleteOlderThan: (cutoff: number) => number
  }
>() {
  static readonly layer = Layer.sync(AssessmentJobTable, () => {
    const jobs = new Map<string, JobEntry>()
    return AssessmentJobTable.of({
      jobs,
      queue: (job) => {
        const { groupId, sessionId } = decodeJobIds(job)
        jobs.set(groupId, {
          groupId,
          sessionId,
          status: "pending",
          attempts: 0,
          queuedAt: job.queuedAt,
          updatedAt: job.queuedAt,
          runAfter: job.queuedAt,
          leaseUntil: 0,
          requestId: Option.fromNullable(job.requestId),
          failureReason: Option.none(),
          resultLocation: Option.none(),
          result: Option.none()
        })
      },
      deleteSession: (sessionId) => {
        for (const [groupId, job] of jobs) if (job.sessionId === sessionId) jobs.delete(groupId)
      },
      deleteOlderThan: (cutoff) => deleteWhere(jobs, (job) => job.queuedAt < cutoff)
    })
  })
}

const view = ({ runAfter: _, leaseUntil: __, ...job }: JobEntry): AssessmentJob => job

/** `AssessmentQueue` in process memory: the `test` deployment's queue. */
export const make = Effect.gen(function* () {
  const { jobs } = yield* AssessmentJobTable
  const held = (groupId: GroupId, attempt: number) => {
    const job = jobs.get(groupId)
    return job !== undefined && job.status === "running" && job.attempts === attempt ? job : undefined
  }
  return AssessmentQueue.of({
    claim: (request) =>
      Effect.sync(() => {
        const due = [...jobs.values()]
          .filter(
            (job) =>
              (job.status === "pending" && job.runAfter <= request.now) ||
              (job.status === "running" && job.leaseUntil <= request.now)
          )
          .sort((a, b) => a.queuedAt - b.queuedAt)
        for (const job of due) {
          if (job.status === "running" && job.attempts >= request.maxAttempts) {
            jobs.set(job.groupId, {
              ...job,
              status: "failed",
              failureReason: Option.some(`lease expired on the last attempt (${job.attempts})`),
              updatedAt: request.now
            })
            continue
          }
          const attempt = job.attempts + 1
          jobs.set(job.groupId, {
            ...job,
            status: "running",
            attempts: attempt,
            leaseUntil: request.now + request.leaseMillis,
            updatedAt: request.now
          })
          return Option.some({
            groupId: job.groupId,
            sessionId: job.sessionId,
            attempt,
            queuedAt: job.queuedAt,
            requestId: job.requestId
          })
        }
        return Option.none()
      }),
    complete: (claimed, completion, now) =>
      Effect.sync(() => {
        const job = held(claimed.groupId, claimed.attempt)
        if (job === undefined) return "lost" as const
        jobs.set(job.groupId, {
          ...job,
          status: "completed",
          updatedAt: now,
          failureReason: Option.none(),
          resultLocation: Option.some(completion.location),
          result: completion.location === "store" ? Option.some(completion.result) : Option.none()
        })
        return "completed" as const
      }),
    fail: (claimed, reason, retryAt, now) =>
      Effect.sync(() => {
        const job = held(claimed.groupId, claimed.attempt)
        if (job === undefined) return "lost" as const
        jobs.set(job.groupId, {
          ...job,
          status: Option.isSome(retryAt) ? "pending" : "failed",
          runAfter: Option.getOrElse(retryAt, () => job.runAfter),
          failureReason: Option.some(reason),
          updatedAt: now
        })
        return Option.isSome(retryAt) ? ("retrying" as const) : ("failed" as const)
      }),
    job: (groupId) => Effect.sync(() => Option.map(Option.fromNullable(jobs.get(groupId)), view)),
    jobsOf: (sessionId) =>
      Effect.sync(() =>
        [...jobs.values()]
          .filter((job) => job.sessionId === sessionId)
          .sort((a, b) => a.queuedAt - b.queuedAt)
          .map(view)
      ),
    depth: Effect.sync(() => {
      const all = [...jobs.values()]
      return {
        pending: all.filter((job) => job.status === "pending").length,
        running: all.filter((job) => job.status === "running").length
      }
    })
  })
})

export const layer = Layer.effect(AssessmentQueue, make)
