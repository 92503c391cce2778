import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { replayScenarios } from "../../application/evaluate-classifier.ts"
import type { EvalReport, Scenario } from "../../domain/classifier-evaluation.ts"
import { loadScenarios } from "../../bootstrap/eval.ts"
import { application, memoryStores } from "../../bootstrap/layers.ts"

const scenarios = loadScenarios()
const app = application(memoryStores).pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map())))
)

describe("scenario suite", () => {
  const labelled = (part: ReadonlyArray<Scenario>) =>
    part.flatMap((s) => s.messages).filter((m) => m.expect !== undefined).length

  it("holds at least 200 labelled user messages over at least 50 conversations, 30 % of them held out", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(50)
    expect(labelled(scenarios)).toBeGreaterThanOrEqual(200)
    expect(labelled(scenarios.filter((s) => s.split === "heldout"))).toBeGreaterThanOrEqual(
      0.3 * labelled(scenarios)
    )
  })

  it.effect(
    "offline classifier: on the development part, chatter queues nothing, each one-off and each finished role play queues exactly one; the held-out part is at least 85 % right",
    () =>
      Effect.gen(function* () {
        const report = yield* replayScenarios(scenarios)
        for (const scenario of report.scenarios.filter((s) => s.split === "dev")) {
          expect(scenario.assessments, scenario.name).toBe(scenario.expectedAssessments)
        }
        expect(report.scenarios.filter((s) => s.expectedAssessments === 0).length).toBeGreaterThanOrEqual(4)
        expect(report.parts.heldout.accuracy).toBeGreaterThanOrEqual(0.85)
      }).pipe(Effect.provide(app)),
    { timeout: 60_000 }
  )
})

it("npm run eval prints the report as JSON for machines", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["bootstrap/main.ts", "eval", "--json"], {
    env: { ...process.env, LOG_LEVEL: "WARN" }
  })
  const report = JSON.parse(stdout) as EvalReport
  expect(report.classifier).toBe("offline-model")
  for (const split of ["dev", "heldout"] as const) {
    const part = report.parts[split]
    const labelled = scenarios.filter((s) => s.split === split)
    expect(part.conversations, split).toBe(labelled.length)
    expect(part.assessments.expected, split).toBe(labelled.reduce((sum, s) => sum + s.expectedAssessments, 0))
    expect(Object.keys(part.confusion), split).toEqual(["start", "continue", "end", "one_off", "ignore"])
    expect(part.failures, split).toBe(0)
  }
  expect(report.parts.dev.accuracy).toBeGreaterThan(0)
}, 60_000)
