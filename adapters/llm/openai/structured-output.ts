import { Effect, JSONSchema, ParseResult, Schema } from "effect"
import type OpenAI from "openai"
import { ModelFailed } from "../../../domain/errors.ts"
import { toModelFailed } from "./client.ts"

export interface StructuredRequest {
  readonly model: string
  readonly system: string
  readonly user: string
  /** False for an opted-out session: `store: false`. */
  readonly providerMayStore: boolean
  readonly requestId: string
}

/** The paths where an answer failed its Schema (`scores.0.score`), without the values found there. */
const wrongPaths = (error: ParseResult.ParseError) =>
  [
    ...new Set(
      ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.path.join(".") || "(root)")
    )
  ]
    .slice(0, 5)
    .join(", ")

/**
 * One chat completion whose answer must match `schema`: the JSON schema sent as the response format
 * is derived from the same Schema that validates the answer, so the two cannot drift apart. A
 * malformed answer is `ModelFailed` with reason `protocol`.
 */
export const structuredOutput = <A, I>(openai: OpenAI, name: string, schema: Schema.Schema<A, I>) => {
  const responseFormat = {
    type: "json_schema" as const,
    json_schema: { name, schema: { ...JSONSchema.make(schema) } }
  }
  const decode = Schema.decodeUnknown(Schema.parseJson(schema))
  return (request: StructuredRequest) =>
    Effect.tryPromise({
      try: (signal) =>
        openai.chat.completions.create(
          {
            model: request.model,
            messages: [
              { role: "system", content: request.system },
              { role: "user", content: request.user }
            ],
            response_format: responseFormat,
            ...(request.providerMayStore ? {} : { store: false })
          },
          { signal, headers: { "x-request-id": request.requestId } }
        ),
      catch: toModelFailed
    }).pipe(
      Effect.flatMap((completion) =>
        decode(completion.choices?.[0]?.message?.content ?? "").pipe(
          // Where the answer is wrong, never what it says: a Schema error quotes the offending value,
          // which can be the user's words, and this message reaches job rows and logs.
          Effect.mapError(
            (error) =>
              new ModelFailed({
                reason: "protocol",
                message: `malformed ${name} at ${wrongPaths(error)}`
              })
          )
        )
      )
    )
}
