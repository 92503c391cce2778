import { readFileSync } from "node:fs"
import { Schema } from "effect"
import {
  CLASSES,
  type EvalReport,
  type PartReport,
  Scenario,
  type ScenarioOutcome
} from "../domain/classifier-evaluation.ts"

export const SCENARIOS_FILE = "test/scenarios/conversations.json"

/** The labelled conversations `eval` replays. */
export const loadScenarios = (file = SCENARIOS_FILE) =>
  Schema.decodeUnknownSync(Schema.Array(Scenario))(JSON.parse(readFileSync(file, "utf8")))

const percent = (value: number | null) =>
  value === null ? "   -" : `${(value * 100).toFixed(0).padStart(3)}%`

const WIDTH = 10

/** One part as a person reads it: a confusion matrix, per-class precision and recall, assessments. */
const formatPart = (part: PartReport, scenarios: ReadonlyArray<ScenarioOutcome>) => [
  "confusion matrix (rows: expected, columns: classified)",
  ["".padEnd(WIDTH), ...CLASSES.map((c) => c.padStart(WIDTH))].join(""),
  ...CLASSES.map((expected) =>
    [
      expected.padEnd(WIDTH),
      ...CLASSES.map((actual) => String(part.confusion[expected][actual]).padStart(WIDTH))
    ].join("")
  ),
  "",
  [
    "class".padEnd(WIDTH),
    "precision".padStart(WIDTH),
    "recall".padStart(WIDTH),
    "support".padStart(WIDTH)
  ].join(""),
  ...CLASSES.map((decision) => {
    const row = part.perClass[decision]
    return [
      decision.padEnd(WIDTH),
      percent(row.precision).padStart(WIDTH),
      percent(row.recall).padStart(WIDTH),
      String(row.support).padStart(WIDTH)
    ].join("")
  }),
  "",
  `accuracy: ${percent(part.accuracy).trim()} of ${Object.values(part.perClass).reduce((sum, row) => sum + row.support, 0) + part.failures} labelled messages` +
    ` (classifier failures, counted wrong and left out of the matrix: ${part.failures})`,
  `assessments queued: ${part.assessments.queued} (expected ${part.assessments.expected}); ` +
    `${part.assessments.scenariosMatching} of ${part.conversations} conversations queued exactly what they should`,
  ...scenarios
    .filter((scenario) => scenario.assessments !== scenario.expectedAssessments)
    .map(
      (scenario) =>
        `  ✗ ${scenario.name}: queued ${scenario.assessments}, expected ${scenario.expectedAssessments}`
    )
]

/** The report as a person reads it: the development part, then the held-out part. */
export const formatReport = (result: EvalReport) =>
  [
    `classifier: ${result.classifier}`,
    ...(["dev", "heldout"] as const).flatMap((split) => [
      "",
      `== ${split === "dev" ? "development part (trained and tuned on)" : "held-out part (never tuned on)"} ==`,
      ...formatPart(
        result.parts[split],
        result.scenarios.filter((scenario) => scenario.split === split)
      )
    ])
  ].join("\n")
