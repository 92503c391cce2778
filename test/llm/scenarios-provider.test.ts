import { ConfigProvider, Duration, Effect, Layer, Logger, LogLevel, Option, Schedule } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { replayScenarios } from "../../application/evaluate-classifier.ts"
import { loadScenarios } from "../../bootstrap/eval.ts"
import { application, memoryStores } from "../../bootstrap/layers.ts"

/** Runs only against a real provider: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any compatible server). */
const configured = Boolean(process.env["OPENAI_API_KEY"] || process.env["OPENAI_BASE_URL"])
if (!configured)
  console.info(
    "test/llm/scenarios: skipped — set OPENAI_API_KEY or OPENAI_BASE_URL to run against a real provider"
  )

const env = Object.entries({ ...process.env, LLM_PROVIDER: "openai", ASSESSMENT_POLL_MS: "100" }).filter(
  (entry): entry is [string, string] => entry[1] !== undefined
)
const app = application(memoryStores).pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(env)))),
  Layer.provide(Logger.minimumLogLevel(LogLevel.Warning))
)

describe.skipIf(!configured)(
  "real provider: the scenario suite through ingestion, classifier and assessor",
  () => {
    it.live(
      "chatter queues nothing, each one-off and each finished role play once, and the assessments are stored",
      () =>
        Effect.gen(function* () {
          const report = yield* replayScenarios(loadScenarios())
          for (const scenario of report.scenarios)
            expect(scenario.assessments, scenario.name).toBe(scenario.expectedAssessments)
          const queue = yield* AssessmentQueue
          const jobs = (yield* Effect.forEach(report.scenarios, (scenario) =>
            queue.jobsOf(scenario.sessionId)
          )).flat()
          const settled = yield* Effect.forEach(jobs, (job) =>
            queue.job(job.groupId).pipe(
              Effect.map(Option.getOrThrow),
              Effect.filterOrFail(
                (current) => current.status === "completed" || current.status === "failed",
                () => "still queued or running" as const
              ),
              Effect.retry({
                while: (error) => error === "still queued or running",
                schedule: Schedule.spaced("500 millis")
              }),
              Effect.timeout(Duration.minutes(5))
            )
          )
          for (const job of settled) {
            expect(job.status, job.failureReason.pipe(Option.getOrElse(() => ""))).toBe("completed")
            expect(Option.getOrThrow(job.result)).toMatchObject({
              heuristic: false,
              rubricVersion: "communication-v1"
            })
          }
        }).pipe(Effect.provide(app)),
      600_000
    )
  }
)
