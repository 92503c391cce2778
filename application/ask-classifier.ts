import { Config, Context, type Duration, Effect, Either, Layer, Option } from "effect"
import { FALLBACK_CLASSIFICATION } from "../domain/boundary.ts"
import { ModelFailed } from "../domain/errors.ts"
import type { MessageId, SessionId } from "../domain/ids.ts"
import type { PromptMessage } from "../domain/prompt-composition.ts"
import { BuildContext, type ContextSelection } from "./build-context.ts"
import { currentInteraction } from "./commit-interaction.ts"
import { duration } from "./config-values.ts"
import { classifierConfidence, classifierDecisionsBy, classifierFailuresBy, updateMetric } from "./metrics.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { sessionPolicy } from "./session-persistence.ts"
import { annotateSpan } from "./traced.ts"

/** What `ClassifierSettings.layerConfig` reads. */
export const config = Config.all({
  minConfidence: Config.number("CLASSIFIER_MIN_CONFIDENCE").pipe(
    Config.withDefault(0.6),
    Config.validate({
      message: "CLASSIFIER_MIN_CONFIDENCE must be a number in 0..1",
      validation: (value) => value >= 0 && value <= 1
    })
  ),
  timeout: duration("CLASSIFIER_TIMEOUT_MS", 5_000),
  orderWait: duration("CLASSIFICATION_ORDER_WAIT_MS", 10_000)
})

/** How the boundary classifier is asked, and how far its answers are trusted. */
export class ClassifierSettings extends Context.Tag("coachup/ClassifierSettings")<
  ClassifierSettings,
  {
    /** `CLASSIFIER_MIN_CONFIDENCE`: boundaries below it are not acted on. */
    readonly minConfidence: number
    /** A classifier that has not answered after this long has failed. */
    readonly timeout: Duration.Duration
    /**
     * How long after the earlier of the two messages arrived a classification waits for the
     * session's message before it (in the store's order) to be classified, before it goes ahead without it.
     */
    readonly orderWait: Duration.Duration
  }
>() {
  static readonly layerConfig = Layer.effect(ClassifierSettings, config)
}

/** The message to classify, and the request it came with. */
export interface ClassifierQuestion {
  readonly sessionId: SessionId
  readonly messageId: MessageId
  /** The message itself: the window ends with it, whatever the store holds yet. */
  readonly message: PromptMessage
  readonly requestId: string
  /**
   * The session's messages as a window read just after the message was recorded saw them (a chat
   * turn's, for its prompt): its classifier window is chosen from them when they cover its limit.
   */
  readonly seen?: ContextSelection
}

/**
 * The classifier's answer for one message: its window (ending with the message), whether the
 * session has a practice open, and CLASSIFIER_TIMEOUT_MS to answer; with the session's state and
 * version as read (`judged`). A failed, late or malformed answer is counted, logged
 * and taken as `ignore` (`fallback`).
 */
export const askClassifier = Effect.fnUntraced(function* (command: ClassifierQuestion) {
  const settings = yield* ClassifierSettings
  const policy = yield* sessionPolicy
  const window = yield* BuildContext(
    "classifier",
    command.sessionId,
    { messageId: command.messageId, ...command.message },
    command.seen
  )
  const messages = window.messages.map(({ role, text }) => ({ role, text }))
  const interaction = yield* currentInteraction(command.sessionId)
  const interactionOpen = Option.isSome(interaction.idle.state.open)
  const classifier = yield* BoundaryClassifier
  const asked = classifier.classify({
    systemPrompt: window.systemPrompt,
    messages,
    interactionOpen,
    providerMayStore: Either.isRight(policy) && policy.right.persist,
    requestId: command.requestId
  })
  const { classification, fallback } = yield* (
    classifier.canWait
      ? Effect.timeoutFail(asked, {
          duration: settings.timeout,
          onTimeout: () =>
            new ModelFailed({ reason: "timeout", message: "the classifier did not answer in time" })
        })
      : asked
  ).pipe(
    Effect.map((classification) => ({ classification, fallback: false })),
    Effect.catchAll((error) =>
      updateMetric(classifierFailuresBy(error.reason), 1).pipe(
        Effect.zipRight(
          Effect.logWarning("classifier failed; message taken as ignore").pipe(
            Effect.annotateLogs({ classifier: classifier.name, reason: error.reason })
          )
        ),
        Effect.as({ classification: FALLBACK_CLASSIFICATION, fallback: true })
      )
    )
  )
  yield* updateMetric(classifierDecisionsBy(classification.decision), 1)
  yield* updateMetric(classifierConfidence, classification.confidence)
  yield* annotateSpan({
    decision: classification.decision,
    confidence: classification.confidence
  })

  return {
    classification,
    fallback,
    contextMessages: messages.length,
    judged: { state: interaction.state, version: interaction.version }
  }
})
