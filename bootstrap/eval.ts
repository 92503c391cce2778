import { readFileSync } from "node:fs"
import { Effect, Option, Schema } from "effect"
import { classifyInline } from "../application/classify-boundary.ts"
import { type IngestCommand, IngestMessage } from "../application/ingest-message.ts"
import { withSessionPersistence } from "../application/session-persistence.ts"
import { BoundaryClassifier } from "../application/ports/boundary-classifier.ts"
import { AssessmentQueue } from "../application/ports/assessment-queue.ts"
import { BoundaryDecision } from "../domain/boundary.ts"
import { MessageId, SessionId, UserId } from "../domain/ids.ts"
import { Role } from "../domain/transcript.ts"

/** A labelled conversation: each user message may carry the decision a good classifier makes. */
export const Scenario = Schema.Struct({
  name: Schema.String,
  expectedAssessments: Schema.Number,
  messages: Schema.Array(
    Schema.Struct({ role: Role, text: Schema.String, expect: Schema.optional(BoundaryDecision) })
  )
})
export type Scenario = typeof Scenario.Type

export const SCENARIOS_FILE = "test/scenarios/conversations.json"

export const loadScenarios = (file = SCENARIOS_FILE) =>
  Schema.decodeUnknownSync(Schema.Array(Scenario))(JSON.parse(readFileSync(file, "utf8")))

const CLASSES = BoundaryDecision.literals

export interface ScenarioOutcome {
  readonly name: string
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

export interface EvalReport {
  readonly classifier: string
  readonly scenarios: ReadonlyArray<ScenarioOutcome>
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

/**
 * Replays each conversation through ingestion and inline classification (the real use cases),
 * one fresh session each, and reads back how many assessment jobs each conversation queued.
 */
export const replayScenarios = (
  scenarios: ReadonlyArray<Scenario>,
  onMessage: (done: number, total: number) => void = () => {}
) =>
  Effect.gen(function* () {
    const queue = yield* AssessmentQueue
    const classifier = yield* BoundaryClassifier
    const run = Date.now().toString(36)
    const userId = UserId.make("eval")
    const total = scenarios.reduce((sum, scenario) => sum + scenario.messages.length, 0)
    let done = 0
    const outcomes: Array<ScenarioOutcome> = []
    for (const [s, scenario] of scenarios.entries()) {
      const sessionId = SessionId.make(`eval-${run}-${s}`)
      const labels: Array<ScenarioOutcome["labels"][number]> = []
      let failures = 0
      for (const [m, message] of scenario.messages.entries()) {
        const command: IngestCommand = {
          userId,
          sessionId,
          messageId: MessageId.make(`${sessionId}-${m}`),
          role: message.role,
          text: message.text,
          ts: Option.some(1_700_000_000_000 + m * 1_000),
          groupId: Option.none(),
          audioUrl: Option.none(),
          requestId: `eval-${run}`
        }
        // As POST /messages/ingest does: recorded, then classified before the next message.
        const classification = yield* Effect.flatMap(IngestMessage(command), (ingested) =>
          classifyInline(command, ingested)
        ).pipe(withSessionPersistence(userId, sessionId))
        if (message.expect !== undefined) {
          const classified = Option.filter(classification, (c) => !c.fallback)
          if (Option.isSome(classified)) {
            labels.push({ text: message.text, expected: message.expect, actual: classified.value.decision })
          } else failures++
        }
        onMessage(++done, total)
      }
      outcomes.push({
        name: scenario.name,
        sessionId,
        expectedAssessments: scenario.expectedAssessments,
        assessments: (yield* queue.jobsOf(sessionId)).length,
        labels,
        failures
      })
    }
    return report(classifier.name, outcomes)
  })

const report = (classifier: string, scenarios: ReadonlyArray<ScenarioOutcome>): EvalReport => {
  const confusion = Object.fromEntries(
    CLASSES.map((expected) => [expected, Object.fromEntries(CLASSES.map((actual) => [actual, 0]))])
  ) as EvalReport["confusion"]
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
  ) as EvalReport["perClass"]
  const correct = labels.filter((label) => label.expected === label.actual).length
  const failures = scenarios.reduce((sum, scenario) => sum + scenario.failures, 0)
  return {
    classifier,
    scenarios,
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
