import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { AssessmentQueue, type ClaimRequest } from "../../application/ports/assessment-queue.ts"
import { InteractionStore } from "../../application/ports/interaction-store.ts"
import type { AssessmentResult } from "../../domain/assessment.ts"
import { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import { GroupEffect, noInteraction } from "../../domain/interaction-group.ts"
import { classificationOnly } from "../support/items.ts"

const result: AssessmentResult = {
  rubricVersion: "communication-v1",
  assessor: "offline-heuristic",
  heuristic: true,
  latencyMs: 12,
  scores: [{ criterion: "clarity", label: "Clarity", score: 4, justification: "Short, specific messages." }],
  summary: "Clear and direct.",
  nextStep: "Open with your point."
}

/** A group opened and closed by two interaction commits; the closing one asks for its assessment. */
const closeGroup = (session: string, group: string, at: number, requestId = Option.none<string>()) =>
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const sessionId = SessionId.make(session)
    const groupId = GroupId.make(group)
    const { version } = yield* store.interaction(sessionId)
    const opened = yield* store.commit({
      sessionId,
      expectedVersion: version,
      state: { open: Option.some({ groupId, openedAt: at, lastActivityAt: at, messages: 1 }) },
      classification: Option.none(),
      effects: [GroupEffect.Opened({ groupId })],
      at,
      requestId: Option.none()
    })
    const closed = yield* store.commit({
      sessionId,
      expectedVersion: version + 1,
      state: noInteraction,
      classification: Option.none(),
      effects: [
        GroupEffect.Closed({ groupId, reason: "ended", messages: 2 }),
        GroupEffect.AssessmentRequested({ groupId })
      ],
      at,
      requestId
    })
    expect([opened, closed]).toEqual(["committed", "committed"])
    return groupId
  })

const claimAt = (now: number, fields: Partial<ClaimRequest> = {}) =>
  Effect.flatMap(AssessmentQueue, (queue) =>
    queue.claim({ worker: "worker-a", now, leaseMillis: 1_000, maxAttempts: 3, ...fields })
  )

/**
 * The `AssessmentQueue` contract, with the `InteractionStore` of the same backend that fills it, run
 * on every adapter with fresh stores per test.
 */
export const assessmentQueueContract = (
  name: string,
  makeLayer: () => Layer.Layer<AssessmentQueue | InteractionStore, unknown>
) =>
  describe(`AssessmentQueue contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, AssessmentQueue | InteractionStore>) =>
      it.effect(title, () => Effect.provide(body, makeLayer()))

    test(
      "the commit that closes a group queues its assessment once, with the request id",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const store = yield* InteractionStore
        const group = yield* closeGroup("s1", "g1", 100, Option.some("req-1"))
        // Asking again for the same group (a replayed commit) queues nothing more.
        const { version } = yield* store.interaction(SessionId.make("s1"))
        yield* store.commit({
          sessionId: SessionId.make("s1"),
          expectedVersion: version,
          state: noInteraction,
          classification: Option.none(),
          effects: [GroupEffect.AssessmentRequested({ groupId: group })],
          at: 150,
          requestId: Option.none()
        })
        const job = yield* queue.job(group)
        expect(job).toEqual(
          Option.some({
            groupId: group,
            sessionId: "s1",
            status: "pending",
            attempts: 0,
            queuedAt: 100,
            updatedAt: 100,
            requestId: Option.some("req-1"),
            failureReason: Option.none(),
            resultLocation: Option.none(),
            result: Option.none()
          })
        )
        expect((yield* queue.jobsOf(SessionId.make("s1"))).length).toBe(1)
        expect(yield* queue.depth).toEqual({ pending: 1, running: 0 })
        expect(yield* queue.job(GroupId.make("unknown"))).toEqual(Option.none())
      })
    )

    test(
      "a claim holds the oldest due job; nobody else gets it while the lease lasts",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        yield* closeGroup("s1", "late", 200)
        yield* closeGroup("s2", "early", 100)
        const first = yield* claimAt(300)
        expect(
          Option.map(first, ({ groupId, attempt, queuedAt }) => ({ groupId, attempt, queuedAt }))
        ).toEqual(Option.some({ groupId: "early", attempt: 1, queuedAt: 100 }))
        const second = yield* claimAt(300, { worker: "worker-b" })
        expect(Option.map(second, (job) => job.groupId)).toEqual(Option.some("late"))
        expect(yield* claimAt(300)).toEqual(Option.none())
        expect(yield* queue.depth).toEqual({ pending: 0, running: 2 })
        expect(Option.map(yield* queue.job(GroupId.make("early")), (job) => job.status)).toEqual(
          Option.some("running")
        )
      })
    )

    test(
      "a burst of claims hands out each job once, and nothing more",
      Effect.gen(function* () {
        for (let index = 0; index < 6; index++) yield* closeGroup(`s${index}`, `g${index}`, 100 + index)
        const claims = yield* Effect.all(
          Array.from({ length: 10 }, (_, index) => claimAt(1_000, { worker: `worker-${index}` })),
          { concurrency: "unbounded" }
        )
        const held = claims.flatMap((claim) => Option.toArray(claim)).map((job) => job.groupId)
        expect(held.length).toBe(6)
        expect(new Set(held).size).toBe(6)
      })
    )

    test(
      "complete stores the result once; a second completion is lost",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const group = yield* closeGroup("s1", "g1", 100)
        const job = Option.getOrThrow(yield* claimAt(150))
        expect(yield* queue.complete(job, { location: "store", result }, 180)).toBe("completed")
        expect(yield* queue.complete(job, { location: "store", result }, 190)).toBe("lost")
        const stored = Option.getOrThrow(yield* queue.job(group))
        expect(stored).toMatchObject({ status: "completed", attempts: 1, updatedAt: 180 })
        expect(stored.result).toEqual(Option.some(result))
        expect(stored.resultLocation).toEqual(Option.some("store"))
        expect(yield* claimAt(10_000)).toEqual(Option.none())
        expect(yield* queue.depth).toEqual({ pending: 0, running: 0 })
      })
    )

    test(
      "a result kept in memory leaves only its location in the queue",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const group = yield* closeGroup("s1", "g1", 100)
        const job = Option.getOrThrow(yield* claimAt(150))
        expect(yield* queue.complete(job, { location: "memory" }, 180)).toBe("completed")
        const stored = Option.getOrThrow(yield* queue.job(group))
        expect(stored.result).toEqual(Option.none())
        expect(stored.resultLocation).toEqual(Option.some("memory"))
      })
    )

    test(
      "an expired lease is reclaimed with the next attempt, and the old holder's completion is lost",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        yield* closeGroup("s1", "g1", 100)
        const first = Option.getOrThrow(yield* claimAt(100))
        expect(yield* claimAt(1_099, { worker: "worker-b" })).toEqual(Option.none())
        const second = Option.getOrThrow(yield* claimAt(1_100, { worker: "worker-b" }))
        expect(second.attempt).toBe(2)
        expect(yield* queue.complete(first, { location: "store", result }, 1_200)).toBe("lost")
        expect(yield* queue.fail(first, "late", Option.none(), 1_200)).toBe("lost")
        expect(yield* queue.complete(second, { location: "store", result }, 1_200)).toBe("completed")
      })
    )

    test(
      "a failure with a retry time waits for it; one without is failed for good, with the reason",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const group = yield* closeGroup("s1", "g1", 100)
        const first = Option.getOrThrow(yield* claimAt(100))
        expect(yield* queue.fail(first, "provider timeout", Option.some(5_000), 200)).toBe("retrying")
        expect(Option.getOrThrow(yield* queue.job(group))).toMatchObject({
          status: "pending",
          attempts: 1,
          failureReason: Option.some("provider timeout")
        })
        expect(yield* claimAt(4_999)).toEqual(Option.none())
        const second = Option.getOrThrow(yield* claimAt(5_000))
        expect(second.attempt).toBe(2)
        expect(yield* queue.fail(second, "malformed answer", Option.none(), 5_100)).toBe("failed")
        expect(Option.getOrThrow(yield* queue.job(group))).toMatchObject({
          status: "failed",
          attempts: 2,
          failureReason: Option.some("malformed answer")
        })
        expect(yield* claimAt(100_000)).toEqual(Option.none())
      })
    )

    test(
      "a lease that expires at the last attempt fails the job instead of running it again",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const group = yield* closeGroup("s1", "g1", 100)
        yield* claimAt(100, { maxAttempts: 1 })
        expect(yield* claimAt(5_000, { maxAttempts: 1 })).toEqual(Option.none())
        expect(Option.getOrThrow(yield* queue.job(group))).toMatchObject({
          status: "failed",
          failureReason: Option.some("lease expired on the last attempt (1)")
        })
      })
    )

    test(
      "deleting a session deletes its jobs",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const store = yield* InteractionStore
        const gone = yield* closeGroup("s1", "g1", 100)
        const kept = yield* closeGroup("s2", "g2", 100)
        yield* store.deleteSession(SessionId.make("s1"))
        expect(yield* queue.job(gone)).toEqual(Option.none())
        expect(yield* queue.jobsOf(SessionId.make("s1"))).toEqual([])
        expect(Option.isSome(yield* queue.job(kept))).toBe(true)
      })
    )

    test(
      "a job running when its session is deleted has its result refused: nothing is written back",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const store = yield* InteractionStore
        const gone = yield* closeGroup("s1", "g1", 100)
        const claimed = Option.getOrThrow(yield* claimAt(200))
        yield* store.deleteSession(SessionId.make("s1"))
        expect(yield* queue.complete(claimed, { location: "store", result }, 300)).toBe("lost")
        expect(yield* queue.fail(claimed, "late", Option.some(400), 300)).toBe("lost")
        expect(yield* queue.job(gone)).toEqual(Option.none())
        expect(yield* queue.jobsOf(SessionId.make("s1"))).toEqual([])
        expect(yield* queue.depth).toEqual({ pending: 0, running: 0 })
      })
    )

    test(
      "retention deletes the classifications, closed groups and jobs with results recorded before the cutoff",
      Effect.gen(function* () {
        const queue = yield* AssessmentQueue
        const store = yield* InteractionStore
        const old = yield* closeGroup("s1", "old", 100)
        yield* claimAt(150)
        expect(
          yield* queue.complete(
            {
              groupId: old,
              sessionId: SessionId.make("s1"),
              attempt: 1,
              queuedAt: 100,
              requestId: Option.none()
            },
            { location: "store", result },
            160
          )
        ).toBe("completed")
        const recent = yield* closeGroup("s2", "recent", 10_000)
        expect(yield* store.commit(classificationOnly("s3", "m-old", 100, 0))).toBe("committed")
        expect(yield* store.commit(classificationOnly("s3", "m-new", 10_000, 1))).toBe("committed")
        // A group opened long ago and still open stays: its session is using it.
        const stillOpen = GroupId.make("still-open")
        yield* store.commit({
          sessionId: SessionId.make("s4"),
          expectedVersion: 0,
          state: {
            open: Option.some({ groupId: stillOpen, openedAt: 100, lastActivityAt: 100, messages: 1 })
          },
          classification: Option.none(),
          effects: [GroupEffect.Opened({ groupId: stillOpen })],
          at: 100,
          requestId: Option.none()
        })

        expect(yield* store.deleteOlderThan(5_000)).toBe(3)

        expect(yield* queue.job(old)).toEqual(Option.none())
        expect(yield* store.groups(SessionId.make("s1"))).toEqual([])
        expect(yield* store.classificationOf(SessionId.make("s3"), MessageId.make("m-old"))).toEqual(
          Option.none()
        )
        expect(Option.isSome(yield* queue.job(recent))).toBe(true)
        expect((yield* store.groups(SessionId.make("s2"))).map((group) => group.groupId)).toEqual([recent])
        expect(
          Option.isSome(yield* store.classificationOf(SessionId.make("s3"), MessageId.make("m-new")))
        ).toBe(true)
        expect((yield* store.groups(SessionId.make("s4"))).map((group) => group.status)).toEqual(["open"])
        expect(yield* store.deleteOlderThan(5_000)).toBe(0)
      })
    )
  })
