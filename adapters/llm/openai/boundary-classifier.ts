import { Config, Effect, Layer } from "effect"
import type OpenAI from "openai"
import { stringOr } from "../../../application/config-values.ts"
import { BoundaryClassifier } from "../../../application/ports/boundary-classifier.ts"
import { Classification } from "../../../domain/boundary.ts"
import { transcriptLines } from "../../../domain/prompt-composition.ts"
import { apiConfig, CHAT_COMPLETIONS, type OpenAiApi, OpenAiClient } from "./client.ts"
import { structuredOutput } from "./structured-output.ts"

export interface OpenAiClassifierOptions {
  readonly model: string
  /** Chat Completions unless said otherwise. */
  readonly api?: OpenAiApi
}

/**
 * The boundary classifier on an OpenAI-compatible endpoint: the window goes in as a brief
 * `role: text` transcript (so string-only models read it too), the answer comes back as structured
 * output and is validated against the `Classification` Schema; anything else is `ModelFailed`.
 */
export const make = (openai: OpenAI, options: OpenAiClassifierOptions) => {
  const classify = structuredOutput(
    openai,
    options.api ?? CHAT_COMPLETIONS,
    "boundary_classification",
    Classification
  )
  return BoundaryClassifier.of({
    name: `openai:${options.model}`,
    canWait: true,
    classify: (request) =>
      classify({
        model: options.model,
        system: request.systemPrompt,
        user:
          `Conversation so far, oldest first:\n${transcriptLines(request.messages)}\n\n` +
          `${request.interactionOpen ? "A practice interaction is open." : "No practice interaction is open."} ` +
          "Classify the last user message.",
        providerMayStore: request.providerMayStore,
        requestId: request.requestId
      })
  })
}

export const layer = (options: OpenAiClassifierOptions) =>
  Layer.effect(
    BoundaryClassifier,
    Effect.map(OpenAiClient, (openai) => make(openai, options))
  )

/** What `layerConfig` reads: the model's name and the API it is called through. */
export const config = Config.all({ model: stringOr("CLASSIFIER_MODEL", "gpt-4o-mini"), api: apiConfig })

/** `CLASSIFIER_MODEL` through `LLM_API` on the shared client. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
