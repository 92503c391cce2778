import { Schema } from "effect"
import { BoundaryDecision } from "./boundary.ts"
import type { SessionId } from "./ids.ts"
import { Role } from "./transcript.ts"

/**
 * Which part of the labelled set a conversation is in, chosen once and kept in the data: the offline
 * classifier is trained and tuned on `dev` only; `heldout` measures how well it generalises.
 */
export const Split = Schema.Literal("dev", "heldout")
export type Split = typeof Split.Type

/** A labelled conversation: each user message may carry the decision a good classifier makes. */
export const Scenario = Schema.Struct({
  name: Schema.String,
  split: Split,
  expectedAssessments: Schema.Number,
  messages: Schema.Array(
    Schema.Struct({ role: Role, text: Schema.String, expect: Schema.optional(BoundaryDecision) })
  )
})
export type Scenario = typeof Scenario.Type

export const CLASSES = BoundaryDecision.literals

export interface ScenarioOutcome {
  readonly name: string
  readonly split: Split
  readonly sessionId: SessionId
  readonly expectedAssessments: number
  readonly assessments: number
  readonly labels: ReadonlyArray<{
    readonly text: string
    readonly expected: BoundaryDecision
    readonly actual: BoundaryDecision
  }>
  /** Labelled messages the classifier failed on (taken as ignore), or that got no classification. */
  readonly failures: number
}

/** How the classifier did on one part of the labelled set. */
export interface PartReport {
  readonly conversations: number
  /** confusion[expected][actual] */
  readonly confusion: Record<BoundaryDecision, Record<BoundaryDecision, number>>
  readonly perClass: Record<
    BoundaryDecision,
    { readonly precision: number | null; readonly recall: number | null; readonly support: number }
  >
  /** Correct decisions over all labelled messages: a failed classification counts as wrong. */
  readonly accuracy: number
  readonly failures: number
  readonly assessments: {
    readonly expected: number
    readonly queued: number
    readonly scenariosMatching: number
  }
}

export interface EvalReport {
  readonly classifier: string
  readonly scenarios: ReadonlyArray<ScenarioOutcome>
  /** Reported apart: accuracy on `dev` says what the classifier fits, on `heldout` what it generalises to. */
  readonly parts: Record<Split, PartReport>
}

/** Confusion matrix, per-class precision and recall, accuracy and assessments, over some replayed conversations. */
export const partReport = (scenarios: ReadonlyArray<ScenarioOutcome>): PartReport => {
  const confusion = Object.fromEntries(
    CLASSES.map((expected) => [expected, Object.fromEntries(CLASSES.map((actual) => [actual, 0]))])
  ) as PartReport["confusion"]
  const labels = scenarios.flatMap((scenario) => scenario.labels)
  for (const { expected, actual } of labels) confusion[expected][actual]++
  const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole)
  const perClass = Object.fromEntries(
    CLASSES.map((decision) => {
      const truePositives = confusion[decision][decision]
      const predicted = CLASSES.reduce((sum, expected) => sum + confusion[expected][decision], 0)
      const support = CLASSES.reduce((sum, actual) => sum + confusion[decision][actual], 0)
      return [
        decision,
        { precision: ratio(truePositives, predicted), recall: ratio(truePositives, support), support }
      ]
    })
  ) as PartReport["perClass"]
  const correct = labels.filter((label) => label.expected === label.actual).length
  const failures = scenarios.reduce((sum, scenario) => sum + scenario.failures, 0)
  return {
    conversations: scenarios.length,
    confusion,
    perClass,
    accuracy: labels.length + failures === 0 ? 0 : correct / (labels.length + failures),
    failures,
    assessments: {
      expected: scenarios.reduce((sum, scenario) => sum + scenario.expectedAssessments, 0),
      queued: scenarios.reduce((sum, scenario) => sum + scenario.assessments, 0),
      scenariosMatching: scenarios.filter((scenario) => scenario.assessments === scenario.expectedAssessments)
        .length
    }
  }
}

/** The report on each part of the labelled set. */
export const evaluationReport = (
  classifier: string,
  scenarios: ReadonlyArray<ScenarioOutcome>
): EvalReport => ({
  classifier,
  scenarios,
  parts: {
    dev: partReport(scenarios.filter((scenario) => scenario.split === "dev")),
    heldout: partReport(scenarios.filter((scenario) => scenario.split === "heldout"))
  }
})
