import { Context, type Effect } from "effect"
import type { Classification } from "../../domain/boundary.ts"
import type { ModelFailed } from "../../domain/errors.ts"
import type { PromptMessage } from "../../domain/prompt-composition.ts"

/** The classifier's input: its system prompt and the window, ending with the message to classify. */
export interface ClassifierRequest {
  readonly systemPrompt: string
  readonly messages: ReadonlyArray<PromptMessage>
  /** Whether the session has a practice interaction open now (the state machine's view). */
  readonly interactionOpen: boolean
  /** False for an opted-out session: the provider is asked not to keep the exchange. */
  readonly providerMayStore: boolean
  readonly requestId: string
}

/** Decides what the latest user message does to the session's interaction. */
export class BoundaryClassifier extends Context.Tag("coachup/BoundaryClassifier")<
  BoundaryClassifier,
  {
    /** For logs and metrics: `offline-model`, or the provider's model. */
    readonly name: string
    /**
     * Whether a call can wait on I/O, and so needs CLASSIFIER_TIMEOUT_MS. A model that answers on the
     * caller's thread returns before any timer could fire: a deadline would only cost two fibers and
     * a timer per message.
     */
    readonly canWait: boolean
    /** A malformed answer is a `ModelFailed` with reason `protocol`. */
    readonly classify: (request: ClassifierRequest) => Effect.Effect<Classification, ModelFailed>
  }
>() {}
