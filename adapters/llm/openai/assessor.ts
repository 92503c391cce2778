import { Config, Effect, Layer } from "effect"
import type OpenAI from "openai"
import { stringOr } from "../../../application/config-values.ts"
import { Assessor } from "../../../application/ports/assessor.ts"
import { AssessmentDraft } from "../../../domain/assessment.ts"
import { transcriptLines } from "../../../domain/prompt-composition.ts"
import { apiConfig, CHAT_COMPLETIONS, type OpenAiApi, OpenAiClient } from "./client.ts"
import { structuredOutput } from "./structured-output.ts"

export interface OpenAiAssessorOptions {
  readonly model: string
  /** Chat Completions unless said otherwise. */
  readonly api?: OpenAiApi
}

/**
 * The assessor on an OpenAI-compatible endpoint (`ASSESSMENT_MODEL`): the rubric and the
 * interaction's transcript go in, the scores come back as structured output validated against the
 * `AssessmentDraft` Schema; the use case then checks them against the rubric.
 */
export const make = (openai: OpenAI, options: OpenAiAssessorOptions) => {
  const assess = structuredOutput(
    openai,
    options.api ?? CHAT_COMPLETIONS,
    "interaction_assessment",
    AssessmentDraft
  )
  return Assessor.of({
    name: `openai:${options.model}`,
    heuristic: false,
    assess: (request) =>
      assess({
        model: options.model,
        system: request.systemPrompt,
        user: [
          `Rubric ${request.rubric.version}; score each criterion from 1 to 5 with a short justification:`,
          ...request.rubric.criteria.map(
            (criterion) => `- ${criterion.id} (${criterion.label}): ${criterion.description}`
          ),
          "",
          "The interaction, oldest first:",
          transcriptLines(request.transcript),
          "",
          "Answer with a score for every criterion (use the ids above), a summary of two or three sentences, and one concrete next step."
        ].join("\n"),
        providerMayStore: request.providerMayStore,
        requestId: request.requestId
      })
  })
}

export const layer = (options: OpenAiAssessorOptions) =>
  Layer.effect(
    Assessor,
    Effect.map(OpenAiClient, (openai) => make(openai, options))
  )

/** What `layerConfig` reads: the model's name and the API it is called through. */
export const config = Config.all({ model: stringOr("ASSESSMENT_MODEL", "gpt-4o-mini"), api: apiConfig })

/** `ASSESSMENT_MODEL` through `LLM_API` on the shared client. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
