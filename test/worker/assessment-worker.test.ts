import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Clock, ConfigProvider, Deferred, Duration, Effect, Layer, Option, TestClock } from "effect"
import { ingestAndClassify } from "../support/ingest.ts"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { Assessor, type AssessmentRequest } from "../../application/ports/assessor.ts"
import { assessByHeuristics } from "../../adapters/llm/offline/assessor.ts"
import { application, embeddedStores } from "../../bootstrap/layers.ts"
import type { AssessmentDraft } from "../../domain/assessment.ts"
import { ModelFailed } from "../../domain/errors.ts"
import type { GroupId } from "../../domain/ids.ts"
import { userMessage } from "../support/items.ts"

// Every test runs on the TestClock: the workers' polls, backoffs and leases wait on Effect's clock,
// so `TestClock.adjust` runs them, in order, without waiting.
const POLL = Duration.millis(250)
const SETTINGS = {
  ASSESSMENT_WORKERS: "1",
  ASSESSMENT_POLL_MS: "250",
  ASSESSMENT_RETRY_BASE_MS: "2000",
  ASSESSMENT_MAX_ATTEMPTS: "3",
  ASSESSMENT_TIMEOUT_MS: "2000"
}

/** A DATA_DIR for the test, removed with its scope. */
const dataDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "coachup-worker-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** An assessor that records each call (request id, clock time) and answers as `answer` says for that call. */
const scriptedAssessor = (
  answer: (call: number, request: AssessmentRequest) => Effect.Effect<AssessmentDraft, ModelFailed>
) => {
  const calls: Array<{ readonly requestId: string; readonly at: number }> = []
  const layer = Layer.succeed(
    Assessor,
    Assessor.of({
      name: "scripted",
      heuristic: false,
      assess: (request) =>
        Effect.flatMap(Clock.currentTimeMillis, (at) => {
          calls.push({ requestId: request.requestId, at })
          return answer(calls.length, request)
        })
    })
  )
  return { calls, layer }
}
const heuristic = (_: number, request: AssessmentRequest) => Effect.succeed(assessByHeuristics(request))
/** The time between one call and the next. */
const gaps = (calls: ReadonlyArray<{ readonly at: number }>) =>
  calls.slice(1).map((call, index) => call.at - calls[index]!.at)

/** One service process on the SQLite file in `dir`: the application layer, its workers included. */
const processOn = (dir: string, assessor: Layer.Layer<Assessor>, env: Record<string, string> = {}) =>
  application(embeddedStores, { assessor }).pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(new Map(Object.entries({ DATA_DIR: dir, ...SETTINGS, ...env })))
      )
    )
  )

/** Ingests a one-off feedback request in its own session; answers the group it was queued as. */
const oneOff = (session: string) =>
  Effect.map(
    ingestAndClassify(
      userMessage(
        session,
        `${session}-m1`,
        "Can you give me feedback on this opener: 'I need your help with the launch'?",
        { requestId: `request-${session}` }
      )
    ),
    (outcome) =>
      Option.getOrThrow(Option.flatMap(outcome.classification, (classification) => classification.groupId))
  )
const jobOf = (group: GroupId) =>
  Effect.flatMap(AssessmentQueue, (queue) => queue.job(group)).pipe(Effect.map(Option.getOrThrow))

describe("assessment workers", () => {
  it.scoped("retry a failing assessor with backoff, then fail the job for good with the reason", () =>
    Effect.gen(function* () {
      const assessor = scriptedAssessor(() =>
        Effect.fail(new ModelFailed({ reason: "unavailable", message: "provider down (test)" }))
      )
      const job = yield* Effect.gen(function* () {
        const group = yield* oneOff("failing")
        yield* TestClock.adjust("7 seconds")
        return yield* jobOf(group)
      }).pipe(Effect.provide(processOn(yield* dataDir, assessor.layer)))
      expect(job).toMatchObject({ status: "failed", attempts: 3 })
      expect(Option.getOrThrow(job.failureReason)).toBe("unavailable: provider down (test)")
      expect(assessor.calls.map((call) => call.requestId)).toEqual([
        "request-failing",
        "request-failing",
        "request-failing"
      ])
      // Exponential from ASSESSMENT_RETRY_BASE_MS: the second attempt 2 s after the first, the third 4 s later.
      expect(gaps(assessor.calls)).toEqual([2_000, 4_000])
    })
  )

  it.scoped("a malformed answer is retried like a failure; the next good one completes", () =>
    Effect.gen(function* () {
      const assessor = scriptedAssessor((call, request) =>
        call === 1
          ? Effect.succeed({ scores: [], summary: "No scores at all.", nextStep: "None." })
          : heuristic(call, request)
      )
      const job = yield* Effect.gen(function* () {
        const group = yield* oneOff("malformed")
        yield* TestClock.adjust("3 seconds")
        return yield* jobOf(group)
      }).pipe(Effect.provide(processOn(yield* dataDir, assessor.layer)))
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      expect(gaps(assessor.calls)).toEqual([2_000])
    })
  )

  it.scoped("a worker stopped mid-job hands it back; the restarted process completes it once, at once", () =>
    Effect.gen(function* () {
      const dir = yield* dataDir
      const firstCallStarted = yield* Deferred.make<void>()
      const hanging = scriptedAssessor(() =>
        Effect.zipRight(Deferred.succeed(firstCallStarted, undefined), Effect.never)
      )
      // The first process stops (its layer's scope closes) while its worker waits on the assessor.
      const group = yield* Effect.gen(function* () {
        const group = yield* oneOff("restarted")
        yield* TestClock.adjust(POLL)
        yield* Deferred.await(firstCallStarted)
        return group
      }).pipe(Effect.provide(processOn(dir, hanging.layer, { ASSESSMENT_TIMEOUT_MS: "60000" })))

      const working = scriptedAssessor(heuristic)
      const job = yield* Effect.zipRight(TestClock.adjust(POLL), jobOf(group)).pipe(
        Effect.provide(processOn(dir, working.layer))
      )
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      expect(Option.isSome(job.result)).toBe(true)
      expect(hanging.calls.map((call) => call.requestId)).toEqual(["request-restarted"])
      expect(working.calls.map((call) => call.requestId)).toEqual(["request-restarted"])
      // Handed back, not left to its lease (two minutes here): taken by the first poll after the restart.
      expect(working.calls[0]!.at - hanging.calls[0]!.at).toBeLessThanOrEqual(Duration.toMillis(POLL))
    })
  )

  it.scoped("a job whose worker died without a word is taken again once its lease runs out", () =>
    Effect.gen(function* () {
      const dir = yield* dataDir
      const working = scriptedAssessor(heuristic)
      // A worker of a process that then died: it claimed the job for 5 s and never answered.
      const { group, claimedAt } = yield* Effect.gen(function* () {
        const group = yield* oneOff("crashed")
        const queue = yield* AssessmentQueue
        const claimedAt = yield* Clock.currentTimeMillis
        const claimed = yield* queue.claim({
          worker: "dead-process:0",
          now: claimedAt,
          leaseMillis: 5_000,
          maxAttempts: 3
        })
        expect(Option.map(claimed, (job) => job.groupId)).toEqual(Option.some(group))
        return { group, claimedAt }
      }).pipe(Effect.provide(processOn(dir, working.layer, { ASSESSMENT_WORKERS: "0" })))

      const job = yield* Effect.zipRight(TestClock.adjust("6 seconds"), jobOf(group)).pipe(
        Effect.provide(processOn(dir, working.layer))
      )
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      // Taken by the first poll at which the lease had run out, not before.
      expect(working.calls).toEqual([{ requestId: "request-crashed", at: claimedAt + 5_000 }])
    })
  )

  it.scoped("workers of two processes on one database never run the same job", () =>
    Effect.gen(function* () {
      const dir = yield* dataDir
      const slow = scriptedAssessor((call, request) => Effect.delay(heuristic(call, request), "15 millis"))
      const start = Layer.build(processOn(dir, slow.layer, { ASSESSMENT_WORKERS: "3" }))
      const a = yield* start
      const b = yield* start
      const groups = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, index) => index),
        (index) => Effect.provide(oneOff(`shared-${index}`), index % 2 === 0 ? a : b)
      )
      yield* TestClock.adjust("1 second")
      const jobs = yield* Effect.forEach(groups, jobOf).pipe(Effect.provide(a))
      expect(jobs.every((job) => job.status === "completed" && job.attempts === 1)).toBe(true)
      expect(slow.calls.length).toBe(30)
      expect(new Set(slow.calls.map((call) => call.requestId)).size).toBe(30)
    })
  )
})
