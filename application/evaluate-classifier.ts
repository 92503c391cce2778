import { Effect, Option } from "effect"
import { evaluationReport, type Scenario, type ScenarioOutcome } from "../domain/classifier-evaluation.ts"
import { MessageId, SessionId, UserId } from "../domain/ids.ts"
import { classifyInline } from "./classify-boundary.ts"
import { type IngestCommand, IngestMessage } from "./ingest-message.ts"
import { AssessmentQueue } from "./ports/assessment-queue.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { withSessionPersistence } from "./session-persistence.ts"

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
        split: scenario.split,
        sessionId,
        expectedAssessments: scenario.expectedAssessments,
        assessments: (yield* queue.jobsOf(sessionId)).length,
        labels,
        failures
      })
    }
    return evaluationReport(classifier.name, outcomes)
  })
