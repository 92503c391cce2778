import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, ManagedRuntime, Option } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { Assessor, type AssessmentRequest } from "../../application/ports/assessor.ts"
import { assessByHeuristics } from "../../adapters/llm/offline/assessor.ts"
import * as Config from "../../bootstrap/config.ts"
import { application, embeddedStores } from "../../bootstrap/layers.ts"
import type { AssessmentDraft } from "../../domain/assessment.ts"
import { ModelFailed } from "../../domain/errors.ts"
import type { GroupId } from "../../domain/ids.ts"
import { ingestAndClassify } from "../support/ingest.ts"
import { userMessage } from "../support/items.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "coachup-worker-"))
  dirs.push(dir)
  return dir
}

/** An assessor that records each request id and answers as `answer` says for that call. */
const scriptedAssessor = (
  answer: (call: number, request: AssessmentRequest) => Effect.Effect<AssessmentDraft, ModelFailed>
) => {
  const calls: Array<string> = []
  const layer = Layer.succeed(
    Assessor,
    Assessor.of({
      name: "scripted",
      heuristic: false,
      assess: (request) =>
        Effect.suspend(() => {
          calls.push(request.requestId)
          return answer(calls.length, request)
        })
    })
  )
  return { calls, layer }
}
const heuristic = (_: number, request: AssessmentRequest) => Effect.succeed(assessByHeuristics(request))

/** One service process on the SQLite file in `dir`: the application layer, its workers included. */
const processOn = (dir: string, assessor: Layer.Layer<Assessor>, env: Record<string, string> = {}) =>
  ManagedRuntime.make(
    application(embeddedStores, { assessor }).pipe(
      Layer.provide(Config.layer),
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(
            new Map(
              Object.entries({
                DATA_DIR: dir,
                ASSESSMENT_POLL_MS: "10",
                ASSESSMENT_RETRY_BASE_MS: "20",
                ASSESSMENT_MAX_ATTEMPTS: "3",
                ASSESSMENT_TIMEOUT_MS: "300",
                ...env
              })
            )
          )
        )
      ),
      Layer.provide(Logger.minimumLogLevel(LogLevel.None))
    )
  )
type Process = ReturnType<typeof processOn>

/** Ingests a one-off feedback request in its own session; answers the group it was queued as. */
const oneOff = async (process: Process, session: string): Promise<GroupId> => {
  const outcome = await process.runPromise(
    ingestAndClassify(
      userMessage(
        session,
        `${session}-m1`,
        "Can you give me feedback on this opener: 'I need your help with the launch'?",
        {
          requestId: `request-${session}`
        }
      )
    )
  )
  return Option.getOrThrow(Option.flatMap(outcome.classification, (classification) => classification.groupId))
}
const jobOf = (process: Process, group: GroupId) =>
  process.runPromise(Effect.flatMap(AssessmentQueue, (queue) => queue.job(group))).then(Option.getOrThrow)
const settled = async (process: Process, group: GroupId, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const job = await jobOf(process, group)
    if (job.status === "completed" || job.status === "failed") return job
    if (Date.now() > deadline)
      throw new Error(`job ${group} still ${job.status} after ${job.attempts} attempts`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe("assessment workers", () => {
  it("retry a failing assessor with backoff, then fail the job for good with the reason", async () => {
    const assessor = scriptedAssessor(() =>
      Effect.fail(new ModelFailed({ reason: "unavailable", message: "provider down (test)" }))
    )
    const service = processOn(dataDir(), assessor.layer)
    try {
      const group = await oneOff(service, "failing")
      const job = await settled(service, group)
      expect(job).toMatchObject({ status: "failed", attempts: 3 })
      expect(Option.getOrThrow(job.failureReason)).toBe("unavailable: provider down (test)")
      expect(assessor.calls).toEqual(["request-failing", "request-failing", "request-failing"])
    } finally {
      await service.dispose()
    }
  })

  it("a malformed answer is retried like a failure; the next good one completes", async () => {
    const assessor = scriptedAssessor((call, request) =>
      call === 1
        ? Effect.succeed({ scores: [], summary: "No scores at all.", nextStep: "None." })
        : heuristic(call, request)
    )
    const service = processOn(dataDir(), assessor.layer)
    try {
      const job = await settled(service, await oneOff(service, "malformed"))
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      expect(assessor.calls.length).toBe(2)
    } finally {
      await service.dispose()
    }
  })

  it("a worker stopped mid-job hands it back; the restarted process completes it once", async () => {
    const dir = dataDir()
    let started: () => void = () => undefined
    const firstCallStarted = new Promise<void>((resolve) => (started = resolve))
    const hanging = scriptedAssessor(() =>
      Effect.zipRight(
        Effect.sync(() => started()),
        Effect.never
      )
    )
    const first = processOn(dir, hanging.layer, { ASSESSMENT_TIMEOUT_MS: "60000" })
    const group = await oneOff(first, "restarted")
    await firstCallStarted
    await first.dispose()

    const working = scriptedAssessor(heuristic)
    const second = processOn(dir, working.layer)
    try {
      const job = await settled(second, group)
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      expect(Option.isSome(job.result)).toBe(true)
      expect(hanging.calls).toEqual(["request-restarted"])
      expect(working.calls).toEqual(["request-restarted"])
    } finally {
      await second.dispose()
    }
  })

  it("a job whose worker died without a word is taken again once its lease runs out", async () => {
    const dir = dataDir()
    const working = scriptedAssessor(heuristic)
    // ASSESSMENT_TIMEOUT_MS 300: the lease is 2 × 300 ms + 1 s.
    const service = processOn(dir, working.layer, { ASSESSMENT_WORKERS: "0" })
    try {
      const group = await oneOff(service, "crashed")
      // A worker of a process that then died: it claimed the job and never answered.
      const claimed = await service.runPromise(
        Effect.flatMap(AssessmentQueue, (queue) =>
          queue.claim({ worker: "dead-process:0", now: Date.now(), leaseMillis: 1_600, maxAttempts: 3 })
        )
      )
      expect(Option.map(claimed, (job) => job.groupId)).toEqual(Option.some(group))
      const takeover = processOn(dir, working.layer)
      try {
        const job = await settled(takeover, group)
        expect(job).toMatchObject({ status: "completed", attempts: 2 })
        expect(job.updatedAt - job.queuedAt).toBeGreaterThanOrEqual(1_500)
        expect(working.calls).toEqual(["request-crashed"])
      } finally {
        await takeover.dispose()
      }
    } finally {
      await service.dispose()
    }
  })

  it("workers of two processes on one database never run the same job", async () => {
    const dir = dataDir()
    const slow = scriptedAssessor((call, request) => Effect.delay(heuristic(call, request), "15 millis"))
    const a = processOn(dir, slow.layer, { ASSESSMENT_WORKERS: "3" })
    const b = processOn(dir, slow.layer, { ASSESSMENT_WORKERS: "3" })
    try {
      const groups = await Promise.all(
        Array.from({ length: 30 }, (_, index) => oneOff(index % 2 === 0 ? a : b, `shared-${index}`))
      )
      const jobs = await Promise.all(groups.map((group) => settled(a, group)))
      expect(jobs.every((job) => job.status === "completed" && job.attempts === 1)).toBe(true)
      expect(slow.calls.length).toBe(30)
      expect(new Set(slow.calls).size).toBe(30)
    } finally {
      await Promise.all([a.dispose(), b.dispose()])
    }
  })
})
