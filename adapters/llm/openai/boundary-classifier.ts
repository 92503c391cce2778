import { Layer } from "effect"
import { BoundaryClassifier } from "../../../application/ports/boundary-classifier.ts"
import { Classification } from "../../../domain/boundary.ts"
import { transcriptLines } from "../../../domain/prompt-composition.ts"
import { client, type OpenAiClientOptions } from "./client.ts"
import { structuredOutput } from "./structured-output.ts"

export interface OpenAiClassifierOptions extends OpenAiClientOptions {
  readonly model: string
}

/**
 * The boundary classifier on an OpenAI-compatible endpoint: the window goes in as a brief
 * `role: text` transcript (so string-only models read it too), the answer comes back as structured
 * output and is validated against the `Classification` Schema; anything else is `ModelFailed`.
 */
export const make = (options: OpenAiClassifierOptions) => {
  const classify = structuredOutput(client(options), "boundary_classification", Classification)
  return BoundaryClassifier.of({
    name: `openai:${options.model}`,
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

export const layer = (options: OpenAiClassifierOptions) => Layer.sync(BoundaryClassifier, () => make(options))
