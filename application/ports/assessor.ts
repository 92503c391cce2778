import { Context, type Effect } from "effect"
import type { AssessmentDraft, Rubric } from "../../domain/assessment.ts"
import type { ModelFailed } from "../../domain/errors.ts"
import type { PromptMessage } from "../../domain/prompt-composition.ts"

/** What an assessor scores: one interaction's transcript against a rubric. */
export interface AssessmentRequest {
  readonly systemPrompt: string
  readonly rubric: Rubric
  readonly transcript: ReadonlyArray<PromptMessage>
  /** False for an opted-out session: the provider is asked not to keep the exchange. */
  readonly providerMayStore: boolean
  readonly requestId: string
}

/** Scores a finished interaction against a rubric. */
export class Assessor extends Context.Tag("coachup/Assessor")<
  Assessor,
  {
    /** Stored with each result: `offline-heuristic`, or the provider's model. */
    readonly name: string
    /** True when no language model is involved. */
    readonly heuristic: boolean
    /** A malformed answer is a `ModelFailed` with reason `protocol`. */
    readonly assess: (request: AssessmentRequest) => Effect.Effect<AssessmentDraft, ModelFailed>
  }
>() {}
