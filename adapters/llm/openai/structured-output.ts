import { Effect, JSONSchema, ParseResult, Schema } from "effect"
import type OpenAI from "openai"
import { ModelFailed } from "../../../domain/errors.ts"
import { composePrompt } from "../../../domain/prompt-composition.ts"
import { type OpenAiApi, toModelFailed } from "./client.ts"

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

/** The answer's JSON object, from the first `{` to the last `}`: a completion may wrap it in prose. */
const jsonObjectIn = (text: string) => text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)

/**
 * One completion whose answer must match `schema`, whose JSON schema is derived from the same Schema
 * that validates the answer, so the two cannot drift apart. On Chat Completions it is sent as the
 * response format; on Completions (no response format there) the instructions, the JSON schema and an
 * open `assistant:` line are composed into one prompt. A malformed answer is `ModelFailed` with reason
 * `protocol`.
 */
export const structuredOutput = <A, I>(
  openai: OpenAI,
  api: OpenAiApi,
  name: string,
  schema: Schema.Schema<A, I>
) => {
  const jsonSchema = { ...JSONSchema.make(schema) }
  const responseFormat = { type: "json_schema" as const, json_schema: { name, schema: jsonSchema } }
  const decode = Schema.decodeUnknown(Schema.parseJson(schema))
  const answerOf = (request: StructuredRequest, signal: AbortSignal) => {
    const options = { signal, headers: { "x-request-id": request.requestId } }
    if (api.kind === "completions") {
      const instructions = [
        request.system,
        "",
        request.user,
        "",
        `Answer with one JSON object and nothing else, matching this JSON schema: ${JSON.stringify(jsonSchema)}`
      ].join("\n")
      return openai.completions
        .create(
          { model: request.model, prompt: composePrompt(instructions, []), max_tokens: api.maxTokens },
          options
        )
        .then((completion) => jsonObjectIn(completion.choices?.[0]?.text ?? ""))
    }
    return openai.chat.completions
      .create(
        {
          model: request.model,
          messages: [
            { role: "system", content: request.system },
            { role: "user", content: request.user }
          ],
          response_format: responseFormat,
          ...(request.providerMayStore ? {} : { store: false })
        },
        options
      )
      .then((completion) => completion.choices?.[0]?.message?.content ?? "")
  }
  return (request: StructuredRequest) =>
    Effect.tryPromise({ try: (signal) => answerOf(request, signal), catch: toModelFailed }).pipe(
      Effect.flatMap((answer) =>
        decode(answer).pipe(
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
