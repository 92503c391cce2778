import { Config, ConfigError, Context, Effect, Either, Layer, Option, Redacted } from "effect"
import { nonNegativeInteger, optionalUrl, positiveInteger } from "../../../application/config-values.ts"
import OpenAI from "openai"
import { ModelFailed } from "../../../domain/errors.ts"

/** How to reach an OpenAI-compatible server; shared by every adapter in this folder. */
export interface OpenAiClientOptions {
  /** Optional for keyless OpenAI-compatible servers (Ollama, vLLM, llama.cpp). */
  readonly apiKey: Option.Option<Redacted.Redacted<string>>
  readonly baseUrl: Option.Option<string>
  /** Retries of a failed request (the SDK's own); for a stream they happen before any text arrives. */
  readonly maxRetries: number
}

export const client = (options: OpenAiClientOptions) =>
  new OpenAI({
    apiKey: Option.getOrElse(Option.map(options.apiKey, Redacted.value), () => "not-needed"),
    ...Option.match(options.baseUrl, { onNone: () => ({}), onSome: (baseURL) => ({ baseURL }) }),
    maxRetries: options.maxRetries
  })

/** What `OpenAiClient.layerConfig` reads. */
export const config = Config.all({
  apiKey: Config.option(Config.redacted("OPENAI_API_KEY")).pipe(
    Config.map(Option.filter((key) => Redacted.value(key).trim() !== ""))
  ),
  baseUrl: optionalUrl("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
  maxRetries: nonNegativeInteger("OPENAI_MAX_RETRIES", 2)
}).pipe(
  Config.mapOrFail((options) =>
    Option.isNone(options.apiKey) && Option.isNone(options.baseUrl)
      ? Either.left(
          ConfigError.MissingData(
            [],
            "LLM_PROVIDER=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a keyless server"
          )
        )
      : Either.right(options)
  )
)

/**
 * Which of the server's APIs the adapters call: Chat Completions (a system prompt and a message list,
 * the default), or the older Completions (one prompt string composed from them, as llama.cpp and vLLM
 * also serve it). Completions stop after `maxTokens`: that endpoint's own default is 16.
 */
export interface OpenAiApi {
  readonly kind: "chat" | "completions"
  readonly maxTokens: number
}

/** What every adapter here reads beside its model's name: `LLM_API` and `LLM_COMPLETIONS_MAX_TOKENS`. */
export const apiConfig: Config.Config<OpenAiApi> = Config.all({
  kind: Config.literal("chat", "completions")("LLM_API").pipe(Config.withDefault("chat" as const)),
  maxTokens: positiveInteger("LLM_COMPLETIONS_MAX_TOKENS", 1024)
})

/** The default API, for adapters made without one. */
export const CHAT_COMPLETIONS: OpenAiApi = { kind: "chat", maxTokens: 1024 }

/** One OpenAI SDK client, shared by the chat model, the classifier and the assessor. */
export class OpenAiClient extends Context.Tag("coachup/llm/OpenAiClient")<OpenAiClient, OpenAI>() {
  static readonly layer = (options: OpenAiClientOptions) => Layer.sync(OpenAiClient, () => client(options))
  /** `OPENAI_API_KEY` (or `OPENAI_BASE_URL` for a keyless server) and `OPENAI_MAX_RETRIES`. */
  static readonly layerConfig = Layer.unwrapEffect(Effect.map(config, OpenAiClient.layer))
}

/** Provider failures, normalised into the port's few reasons. */
export const toModelFailed = (error: unknown): ModelFailed => {
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof OpenAI.RateLimitError) return new ModelFailed({ reason: "rate_limited", message })
  if (error instanceof OpenAI.APIConnectionTimeoutError)
    return new ModelFailed({ reason: "timeout", message })
  if (error instanceof OpenAI.APIConnectionError || error instanceof OpenAI.InternalServerError) {
    return new ModelFailed({ reason: "unavailable", message })
  }
  if (
    error instanceof OpenAI.APIError &&
    error.status !== undefined &&
    error.status >= 400 &&
    error.status < 500
  ) {
    return new ModelFailed({ reason: "rejected", message })
  }
  if (error instanceof OpenAI.APIError) return new ModelFailed({ reason: "unavailable", message })
  return new ModelFailed({ reason: "protocol", message })
}
