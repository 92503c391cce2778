import { describe, expect, it } from "vitest"
import { BoundaryDecision } from "../../../domain/boundary.ts"
import { classifyWithModel, features, type ModelWeights } from "./model.ts"

describe("the offline model", () => {
  it("sets quoted drafts apart: their words are not features, that there is one is", () => {
    const found = features('Is "let\'s stop the project today" too blunt?', false)
    expect(found).toContain("shape:quoted")
    expect(found).toContain("shape:quoted closed")
    expect(found).not.toContain("word:stop")
    expect(found).toContain("word:blunt")
  })

  it("reads contractions and their typo'd spellings alike", () => {
    expect(features("I'm done", true)).toEqual(features("im done", true))
  })

  /** A model that only knows one word, "stop", and reads it as `decision`. */
  const leaning = (decision: BoundaryDecision): ModelWeights => ({
    classes: BoundaryDecision.literals,
    bias: BoundaryDecision.literals.map(() => 0),
    weights: { "word:stop": BoundaryDecision.literals.map((c) => (c === decision ? 3 : 0)) }
  })

  it("answers with the most probable decision and its probability as the confidence", () => {
    expect(classifyWithModel(leaning("end"), "stop", true)).toEqual({ decision: "end", confidence: 0.834 })
  })

  it("takes continue or end with no interaction open as chatter", () => {
    expect(classifyWithModel(leaning("end"), "stop", false)).toEqual({
      decision: "ignore",
      confidence: 0.875
    })
    expect(classifyWithModel(leaning("continue"), "stop", false).decision).toBe("ignore")
  })
})
