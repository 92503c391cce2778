import { Cause, Clock, Effect, Option } from "effect"
import type { BoundaryDecision } from "../domain/boundary.ts"
import { GroupId } from "../domain/ids.ts"
import { type Transition, transition } from "../domain/interaction-group.ts"
import { askClassifier, type ClassifierQuestion, ClassifierSettings } from "./ask-classifier.ts"
import { commitInteraction } from "./commit-interaction.ts"
import { hashedIds } from "./hashed-id.ts"
import type { IngestCommand, IngestOutcome } from "./ingest-message.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { InteractionStore, type MessageClassification } from "./ports/interaction-store.ts"
import { SessionSequencer } from "./session-sequencer.ts"
import { spanWhenTraced } from "./traced.ts"

export interface ClassifyCommand extends ClassifierQuestion {
  /** When the message arrived: a session deleted since then stays deleted, however late this runs. */
  readonly receivedAt: number
}

/** What a user message did: the classifier's decision, the one acted on, and its group. */
export interface ClassificationOutcome {
  readonly decision: BoundaryDecision
  readonly applied: BoundaryDecision
  readonly confidence: number
  readonly groupId: Option.Option<GroupId>
  /** The classifier failed or answered malformed, and the message was taken as `ignore`. */
  readonly fallback: boolean
  /** Messages in the classifier's window, when this call classified the message. */
  readonly contextMessages?: number
}

const fromRecord = (record: MessageClassification, fallback = false): ClassificationOutcome => ({
  decision: record.decision,
  applied: record.applied,
  confidence: record.confidence,
  groupId: record.groupId,
  fallback
})

/** The classification of a message as ingested, which arrived at `receivedAt`. */
export const classifyCommandOf = (command: IngestCommand, receivedAt: number): ClassifyCommand => ({
  sessionId: command.sessionId,
  messageId: command.messageId,
  message: { role: command.role, text: command.text },
  requestId: command.requestId ?? "",
  receivedAt
})

/**
 * Classifies one user message with the last CLASSIFIER_CONTEXT_LIMIT messages of its session and
 * CLASSIFIER_SYSTEM_PROMPT, then moves the session's interaction state. Idempotent: a message
 * already classified gets its stored answer and changes nothing. A failed or malformed classifier
 * answer is counted, logged and taken as `ignore`. A session's messages are classified one at a
 * time, in the order they arrived (`SessionSequencer`). Its outcome is logged either way.
 */
export const ClassifyBoundary = Effect.fnUntraced(
  function* (command: ClassifyCommand) {
    const startedAt = yield* Clock.currentTimeMillis
    const outcome = yield* (yield* SessionSequencer).run(command.sessionId, classifyInOrder(command))
    const durationMs = (yield* Clock.currentTimeMillis) - startedAt
    // Its ids are hashed only when the line is written.
    yield* Effect.whenLogLevel(logClassification(command, outcome, durationMs), "Info")
    return outcome
  },
  Effect.tapErrorCause((cause) =>
    Effect.logWarning("message not classified").pipe(Effect.annotateLogs({ cause: Cause.pretty(cause) }))
  ),
  spanWhenTraced("ClassifyBoundary")
)

/**
 * Classifies a message just ingested, before its caller answers (`POST /messages/ingest`, the
 * evaluation replay): user messages only. A failed classification is answered as none: the message
 * is recorded, and ingesting it again classifies it.
 */
export const classifyInline = (command: IngestCommand, ingested: IngestOutcome) =>
  command.role !== "user"
    ? Effect.succeedNone
    : ClassifyBoundary(classifyCommandOf(command, ingested.receivedAt)).pipe(
        Effect.map(Option.some),
        Effect.catchAllCause(() => Effect.succeedNone)
      )

const classifyInOrder = (command: ClassifyCommand) =>
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const previous = yield* store.classificationOf(command.sessionId, command.messageId)
    if (Option.isSome(previous)) return fromRecord(previous.value)

    const { classification, fallback, contextMessages } = yield* askClassifier(command)
    const settings = yield* ClassifierSettings

    // Unused unless the message opens a group; a commit that did not land used none.
    const newGroupId = GroupId.make(yield* (yield* IdGenerator).next)
    const recordOf = (moved: Transition, at: number): MessageClassification => ({
      messageId: command.messageId,
      sessionId: command.sessionId,
      decision: classification.decision,
      applied: moved.applied,
      confidence: classification.confidence,
      groupId: moved.groupId,
      at
    })
    const committed = yield* commitInteraction(
      command.sessionId,
      command.receivedAt,
      (state, at) => {
        const moved = transition(state, {
          classification,
          at,
          newGroupId,
          minConfidence: settings.minConfidence
        })
        return { transition: moved, classification: Option.some(recordOf(moved, at)) }
      },
      Option.some(command.requestId)
    ).pipe(
      Effect.catchTag("StaleInteraction", () =>
        Effect.dieMessage("interaction state kept changing under one message")
      )
    )
    const record = recordOf(committed.transition, committed.at)
    const outcome =
      committed.result === "duplicate"
        ? fromRecord(
            Option.getOrElse(
              yield* store.classificationOf(command.sessionId, command.messageId),
              () => record
            )
          )
        : fromRecord(record, fallback)
    return { ...outcome, contextMessages } satisfies ClassificationOutcome
  })

/** One line per classification, with ids hashed and never the message's text. */
const logClassification = Effect.fnUntraced(function* (
  command: ClassifyCommand,
  outcome: ClassificationOutcome,
  durationMs: number
) {
  const hashed = yield* hashedIds
  const classifier = yield* BoundaryClassifier
  yield* Effect.logInfo("message classified").pipe(
    Effect.annotateLogs({
      requestId: command.requestId === "" ? "none" : command.requestId,
      session: hashed(command.sessionId),
      classifier: classifier.name,
      decision: outcome.decision,
      applied: outcome.applied,
      confidence: outcome.confidence,
      fallback: outcome.fallback,
      classifierContextMessages: outcome.contextMessages ?? -1,
      durationMs
    })
  )
})
