import { Array, Effect, Either, Metric, Option } from "effect"
import { type BoundaryDecision, FALLBACK_CLASSIFICATION } from "../domain/boundary.ts"
import { MessageConflict, ModelFailed } from "../domain/errors.ts"
import { GroupId, type MessageId, type SessionId, type UserId } from "../domain/ids.ts"
import { type Transition, transition } from "../domain/interaction-group.ts"
import type { PromptMessage } from "../domain/prompt-composition.ts"
import { BuildContext } from "./build-context.ts"
import { ConversationSettings } from "./conversation-settings.ts"
import { commitInteraction, currentInteraction } from "./commit-interaction.ts"
import { classifierConfidence, classifierDecisionsTotal, classifierFailuresTotal } from "./metrics.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { InteractionStore, type MessageClassification } from "./ports/interaction-store.ts"
import { SessionSequencer } from "./session-sequencer.ts"
import { sessionPolicy } from "./session-persistence.ts"

export interface ClassifyCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly messageId: MessageId
  /** The message itself: the window ends with it, whatever the store holds yet. */
  readonly message: PromptMessage
  readonly requestId: string
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

/**
 * Classifies one user message with the last CLASSIFIER_CONTEXT_LIMIT messages of its session and
 * CLASSIFIER_SYSTEM_PROMPT, then moves the session's interaction state. Idempotent: a message
 * already classified gets its stored answer and changes nothing. A failed or malformed classifier
 * answer is counted, logged and taken as `ignore`. A session's messages are classified one at a
 * time, in the order they arrived (`SessionSequencer`).
 */
export const ClassifyBoundary = Effect.fn("ClassifyBoundary")(function* (command: ClassifyCommand) {
  const sequencer = yield* SessionSequencer
  return yield* sequencer.run(command.sessionId, classifyInOrder(command))
})

const classifyInOrder = (command: ClassifyCommand) =>
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const settings = yield* ConversationSettings
    const previous = yield* store.classificationOf(command.messageId)
    if (Option.isSome(previous)) {
      // A messageId classified in another session is not this message (ingest answers 409 for it).
      if (previous.value.sessionId !== command.sessionId) {
        return yield* new MessageConflict({ messageId: command.messageId, reason: "different_session" })
      }
      return fromRecord(previous.value)
    }

    const policy = yield* sessionPolicy
    const window = yield* BuildContext("classifier", command.sessionId)
    const messages = Array.takeRight(
      [
        ...window.messages
          .filter((message) => message.messageId !== command.messageId)
          .map(({ role, text }) => ({ role, text })),
        command.message
      ],
      window.limit
    )
    const interactionOpen = Option.isSome((yield* currentInteraction(command.sessionId)).idle.state.open)
    const classifier = yield* BoundaryClassifier
    const { classification, fallback } = yield* classifier
      .classify({
        systemPrompt: window.systemPrompt,
        messages,
        interactionOpen,
        providerMayStore: Either.isRight(policy) && policy.right.persist,
        requestId: command.requestId
      })
      .pipe(
        Effect.timeoutFail({
          duration: settings.classifierTimeout,
          onTimeout: () =>
            new ModelFailed({ reason: "timeout", message: "the classifier did not answer in time" })
        }),
        Effect.map((classification) => ({ classification, fallback: false })),
        Effect.catchAll((error) =>
          Metric.increment(Metric.tagged(classifierFailuresTotal, "reason", error.reason)).pipe(
            Effect.zipRight(
              Effect.logWarning("classifier failed; message taken as ignore").pipe(
                Effect.annotateLogs({ classifier: classifier.name, reason: error.reason })
              )
            ),
            Effect.as({ classification: FALLBACK_CLASSIFICATION, fallback: true })
          )
        )
      )
    yield* Metric.increment(Metric.tagged(classifierDecisionsTotal, "decision", classification.decision))
    yield* Metric.update(classifierConfidence, classification.confidence)
    yield* Effect.annotateCurrentSpan({
      decision: classification.decision,
      confidence: classification.confidence
    })

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
          minConfidence: settings.classifierMinConfidence
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
        ? fromRecord(Option.getOrElse(yield* store.classificationOf(command.messageId), () => record))
        : fromRecord(record, fallback)
    return { ...outcome, contextMessages: messages.length } satisfies ClassificationOutcome
  })
