import { readFileSync } from "node:fs"
import { Schema } from "effect"
import { CLASSES, type EvalReport, Scenario } from "../domain/classifier-evaluation.ts"

export const SCENARIOS_FILE = "test/scenarios/conversations.json"

/** The labelled conversations `eval` replays. */
export const loadScenarios = (file = SCENARIOS_FILE) =>
  Schema.decodeUnknownSync(Schema.Array(Scenario))(JSON.parse(readFileSync(file, "utf8")))

const percent = (value: number | null) =>
  value === null ? "   -" : `${(value * 100).toFixed(0).padStart(3)}%`

/** The report as a person reads it: a confusion matrix, per-class precision and recall, assessments. */
export const formatReport = (result: EvalReport) => {
  const width = 10
  const lines = [
    `classifier: ${result.classifier}`,
    "",
    "confusion matrix (rows: expected, columns: classified)",
    ["".padEnd(width), ...CLASSES.map((c) => c.padStart(width))].join(""),
    ...CLASSES.map((expected) =>
      [
        expected.padEnd(width),
        ...CLASSES.map((actual) => String(result.confusion[expected][actual]).padStart(width))
      ].join("")
    ),
    "",
    [
      "class".padEnd(width),
      "precision".padStart(width),
      "recall".padStart(width),
      "support".padStart(width)
    ].join(""),
    ...CLASSES.map((decision) => {
      const row = result.perClass[decision]
      return [
        decision.padEnd(width),
        percent(row.precision).padStart(width),
        percent(row.recall).padStart(width),
        String(row.support).padStart(width)
      ].join("")
    }),
    "",
    `accuracy: ${percent(result.accuracy).trim()} of ${Object.values(result.perClass).reduce((sum, row) => sum + row.support, 0) + result.failures} labelled messages` +
      ` (classifier failures, counted wrong and left out of the matrix: ${result.failures})`,
    `assessments queued: ${result.assessments.queued} (expected ${result.assessments.expected}); ` +
      `${result.assessments.scenariosMatching} of ${result.scenarios.length} conversations queued exactly what they should`,
    ...result.scenarios
      .filter((scenario) => scenario.assessments !== scenario.expectedAssessments)
      .map(
        (scenario) =>
          `  ✗ ${scenario.name}: queued ${scenario.assessments}, expected ${scenario.expectedAssessments}`
      )
  ]
  return lines.join("\n")
}
