import { describe, expect, it } from "vitest"
import { loadScenarios } from "../../../bootstrap/eval.ts"
import shipped from "./model-weights.json" with { type: "json" }
import { train, trainingExamples } from "./training.ts"

const scenarios = loadScenarios()

describe("training the offline classifier", () => {
  it("learns from the development part only, with the state the expected decisions leave", () => {
    const examples = trainingExamples(scenarios)
    const dev = scenarios.filter((s) => s.split === "dev").flatMap((s) => s.messages)
    expect(examples.map((e) => e.text)).toEqual(dev.filter((m) => m.expect !== undefined).map((m) => m.text))
    const heldout = new Set(
      scenarios.filter((s) => s.split === "heldout").flatMap((s) => s.messages.map((m) => m.text))
    )
    expect(examples.filter((e) => heldout.has(e.text))).toEqual([])
    // In the first conversation, the greeting comes before the practice opens; the reply after it is inside.
    expect(examples.slice(0, 3).map((e) => e.interactionOpen)).toEqual([false, false, true])
  })

  it("ships the weights npm run train:classifier produces from the data", () => {
    expect(train(trainingExamples(scenarios))).toEqual(shipped)
  }, 30_000)
})
