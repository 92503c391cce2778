import { Effect, JSONSchema, Layer, Option, Redacted, Schema } from "effect"
import OpenAI from "openai"
import { BoundaryClassifier } from "../../../application/ports/boundary-classifier.ts"
import { Classification } from "../../../domain/boundary.ts"
import { ModelFailed } from "../../../domain/errors.ts"
import { transcriptLines } from "../../../domain/prompt-composition.ts"
import { toModelFailed } from "./chat-model.ts"

export interface OpenAiClassifierOptions {
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: Option.Option<string>
  readonly model: string
  readonly maxRetries: number
}

/** The answer's shape, derived from the domain Schema so the two cannot drift apart. */
const RESPONSE_FORMAT = {
  type: "json_schema" as const,
  json_schema: {
    name: "boundary_classification",
    schema: { ...JSONSchema.make(Classification) }
  }
}

const decode = Schema.decodeUnknown(Schema.parseJson(Classification))

/**
 * The boundary classifier on an OpenAI-compatible endpoint: the window goes in as a brief
 * `role: text` transcript (so string-only models read it too), the answer comes back as structured
 * output and is validated against the `Classification` Schema; anything else is `ModelFailed`.
 */
export const make = (options: OpenAiClassifierOptions) => {
  const client = new OpenAI({
    apiKey: Option.getOrElse(Option.map(options.apiKey, Redacted.value), () => "not-needed"),
    ...Option.match(options.baseUrl, { onNone: () => ({}), onSome: (baseURL) => ({ baseURL }) }),
    maxRetries: options.maxRetries
  })
  return BoundaryClassifier.of({
    name: `openai:${options.model}`,
    classify: (request) =>
      Effect.tryPromise({
        try: (signal) =>
          client.chat.completions.create(
            {
              model: options.model,
              messages: [
                { role: "system", content: request.systemPrompt },
                {
                  role: "user",
                  content:
                    `Conversation so far, oldest first:\n${transcriptLines(request.messages)}\n\n` +
                    `${request.interactionOpen ? "A practice interaction is open." : "No practice interaction is open."} ` +
                    "Classify the last user message."
                }
              ],
              response_format: RESPONSE_FORMAT,
              ...(request.providerMayStore ? {} : { store: false })
            },
            { signal, headers: { "x-request-id": request.requestId } }
          ),
        catch: toModelFailed
      }).pipe(
        Effect.flatMap((completion) =>
          decode(completion.choices?.[0]?.message?.content ?? "").pipe(
            Effect.mapError(
              (error) =>
                new ModelFailed({ reason: "protocol", message: `malformed classification: ${error.message}` })
            )
          )
        )
      )
  })
}

export const layer = (options: OpenAiClassifierOptions) => Layer.sync(BoundaryClassifier, () => make(options))
