import { Option, Redacted } from "effect"
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
