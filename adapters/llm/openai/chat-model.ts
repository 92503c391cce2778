import { Effect, Layer, Option, Stream } from "effect"
import type OpenAI from "openai"
import { stringOr } from "../../../application/config-values.ts"
import {
  ChatModel,
  ChatModelEvent,
  type FinishReason,
  type TokenUsage
} from "../../../application/ports/chat-model.ts"
import { ModelFailed } from "../../../domain/errors.ts"
import { OpenAiClient, toModelFailed } from "./client.ts"
import { estimateCostUsd } from "./pricing.ts"

export interface OpenAiChatOptions {
  readonly model: string
}

const finishReasons: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  content_filter: "content_filter"
}

/**
 * Streaming Chat Completions through the `openai` SDK, which every OpenAI-compatible server speaks.
 * The request's AbortController is aborted when the consuming fiber is interrupted, and chunks are
 * pulled one at a time so that an interruption stops the upstream read at once.
 */
export const make = (openai: OpenAI, options: OpenAiChatOptions) =>
  ChatModel.of({
    provider: "openai",
    model: options.model,
    estimateCostUsd: estimateCostUsd(options.model),
    stream: (request) =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const controller = new AbortController()
          yield* Effect.addFinalizer(() => Effect.sync(() => controller.abort()))
          const chunks = yield* Effect.tryPromise({
            try: () =>
              openai.chat.completions.create(
                {
                  model: options.model,
                  stream: true,
                  stream_options: { include_usage: true },
                  messages: [
                    { role: "system", content: request.systemPrompt },
                    ...request.messages.map((message) => ({ role: message.role, content: message.text }))
                  ],
                  ...(request.providerMayStore ? {} : { store: false })
                },
                { signal: controller.signal, headers: { "x-request-id": request.requestId } }
              ),
            catch: toModelFailed
          })
          const iterator = chunks[Symbol.asyncIterator]()
          let reason = Option.none<FinishReason>()
          let usage = Option.none<TokenUsage>()
          const next = Effect.tryPromise({
            try: () => iterator.next(),
            catch: (error) => Option.some(toModelFailed(error))
          })
          const deltas = Stream.repeatEffectOption(
            Effect.flatMap(next, (result) =>
              result.done ? Effect.fail(Option.none()) : Effect.succeed(result.value)
            )
          ).pipe(
            Stream.mapConcat((chunk) => {
              if (chunk.usage) {
                usage = Option.some({
                  inputTokens: chunk.usage.prompt_tokens,
                  outputTokens: chunk.usage.completion_tokens
                })
              }
              // Some compatible servers send usage-only chunks without `choices`.
              const choice = chunk.choices?.[0]
              if (choice?.finish_reason) reason = Option.some(finishReasons[choice.finish_reason] ?? "other")
              const text = choice?.delta?.content
              return text ? [ChatModelEvent.TextDelta({ text })] : []
            })
          )
          // A stream that ends without a finish reason was cut off: the reply is not complete.
          const finished = Effect.suspend(() =>
            Option.match(reason, {
              onNone: () =>
                Effect.fail(
                  new ModelFailed({ reason: "protocol", message: "the stream ended without a finish reason" })
                ),
              onSome: (finishReason) =>
                Effect.succeed(ChatModelEvent.Finished({ reason: finishReason, usage }))
            })
          )
          return Stream.concat(deltas, Stream.fromEffect(finished))
        })
      )
  })

export const layer = (options: OpenAiChatOptions) =>
  Layer.effect(
    ChatModel,
    Effect.map(OpenAiClient, (openai) => make(openai, options))
  )

/** What `layerConfig` reads: the model's name. */
export const config = stringOr("CHAT_MODEL", "gpt-4o-mini")

/** `CHAT_MODEL` on the shared client. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, (model) => layer({ model })))
