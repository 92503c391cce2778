import { Context, type Effect, type Option } from "effect"
import type {
  AssessmentJob,
  AssessmentResult,
  AssessmentStatus,
  ResultLocation
} from "../../domain/assessment.ts"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { GroupId, SessionId } from "../../domain/ids.ts"

export type { AssessmentJob, AssessmentStatus, ResultLocation }

/** A job a worker holds until `leaseUntil`; `attempt` fences its completion against a reclaim. */
export interface ClaimedJob {
  readonly groupId: GroupId
  readonly sessionId: SessionId
  readonly attempt: number
  readonly queuedAt: number
  readonly requestId: Option.Option<string>
}

export interface ClaimRequest {
  readonly worker: string
  readonly now: number
  readonly leaseMillis: number
  /** A job whose lease expired after this many attempts is failed instead of run again. */
  readonly maxAttempts: number
}

export type Completion =
  { readonly location: "store"; readonly result: AssessmentResult } | { readonly location: "memory" }

/**
 * The durable assessment jobs. A commit of the `InteractionStore` that asks for an assessment
 * queues it in the same transaction, once per group; this port is the worker's side: claim with a
 * lease, complete, fail (retry later or for good), and read.
 */
export class AssessmentQueue extends Context.Tag("coachup/AssessmentQueue")<
  AssessmentQueue,
  {
    /**
     * A job due now — pending and past its retry time, or running with an expired lease — now running
     * for `worker` with one more attempt; none when nothing is due. Memory and SQLite take the
     * earliest queued; Convex the earliest due (its index orders by retry time or lease end).
     */
    readonly claim: (request: ClaimRequest) => Effect.Effect<Option.Option<ClaimedJob>, StoreUnavailable>
    /** Stores the outcome; `lost` when the job was reclaimed (or deleted) meanwhile. */
    readonly complete: (
      job: ClaimedJob,
      completion: Completion,
      now: number
    ) => Effect.Effect<"completed" | "lost", StoreUnavailable>
    /** Back to pending until `retryAt`, or failed for good with the reason when there is none. */
    readonly fail: (
      job: ClaimedJob,
      reason: string,
      retryAt: Option.Option<number>,
      now: number
    ) => Effect.Effect<"retrying" | "failed" | "lost", StoreUnavailable>
    readonly job: (groupId: GroupId) => Effect.Effect<Option.Option<AssessmentJob>, StoreUnavailable>
    /** A session's jobs, oldest first. */
    readonly jobsOf: (sessionId: SessionId) => Effect.Effect<ReadonlyArray<AssessmentJob>, StoreUnavailable>
    /** Jobs waiting (pending) and held (running). */
    readonly depth: Effect.Effect<{ readonly pending: number; readonly running: number }, StoreUnavailable>
  }
>() {}
