import { Config, Effect, Layer, Option, Stream } from "effect"
import type OpenAI from "openai"
import { stringOr } from "../../../application/config-values.ts"
import {
  ChatModel,
  ChatModelEvent,
  type ChatRequest,
  type FinishReason,
  type TokenUsage
} from "../../../application/ports/chat-model.ts"
import { ModelFailed } from "../../../domain/errors.ts"
import { composePrompt } from "../../../domain/prompt-composition.ts"
import { apiConfig, CHAT_COMPLETIONS, type OpenAiApi, OpenAiClient, toModelFailed } from "./client.ts"
import { estimateCostUsd } from "./pricing.ts"

export interface OpenAiChatOptions {
  readonly model: string
  /** Chat Completions unless said otherwise. */
  readonly api?: OpenAiApi
}

const finishReasons: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  content_filter: "content_filter"
}

/** A streamed chunk of either API, as far as a reply is concerned. */
interface Piece {
  readonly text: string | null | undefined
  readonly finishReason: string | null | undefined
  readonly usage: OpenAI.CompletionUsage | undefined
}

/**
 * A completion's prompt ends with an open `assistant:` line; these stop the model before it writes
 * the next speaker's turn itself.
 */
const SPEAKER_TURNS = ["\nuser:", "\nassistant:"]

/** Opens the reply's stream on the configured API; answers its next piece, undefined at the end. */
const openStream = (
  openai: OpenAI,
  model: string,
  api: OpenAiApi,
  request: ChatRequest,
  signal: AbortSignal
): Promise<() => Promise<Piece | undefined>> => {
  const options = { signal, headers: { "x-request-id": request.requestId } }
  if (api.kind === "completions") {
    // This endpoint has no `store` parameter to send for an opted-out session (see the decision note).
    return openai.completions
      .create(
        {
          model,
          prompt: composePrompt(request.systemPrompt, request.messages),
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: api.maxTokens,
          stop: SPEAKER_TURNS
        },
        options
      )
      .then((chunks) =>
        pieces(chunks, (chunk) => ({
          text: chunk.choices?.[0]?.text,
          finishReason: chunk.choices?.[0]?.finish_reason,
          usage: chunk.usage
        }))
      )
  }
  return openai.chat.completions
    .create(
      {
        model,
        stream: true,
        stream_options: { include_usage: true },
        messages: [
          { role: "system", content: request.systemPrompt },
          ...request.messages.map((message) => ({ role: message.role, content: message.text }))
        ],
        ...(request.providerMayStore ? {} : { store: false })
      },
      options
    )
    .then((chunks) =>
      // Some compatible servers send usage-only chunks without `choices`.
      pieces(chunks, (chunk) => ({
        text: chunk.choices?.[0]?.delta?.content,
        finishReason: chunk.choices?.[0]?.finish_reason,
        usage: chunk.usage ?? undefined
      }))
    )
}

/** The chunks of an SDK stream as pieces, pulled one at a time. */
const pieces = <C>(chunks: AsyncIterable<C>, toPiece: (chunk: C) => Piece) => {
  const iterator = chunks[Symbol.asyncIterator]()
  return () => iterator.next().then((result) => (result.done ? undefined : toPiece(result.value)))
}

/**
 * A streamed reply through the `openai` SDK, which every OpenAI-compatible server speaks: Chat
 * Completions by default, or Completions with the window composed into one prompt (`LLM_API`). The
 * request's AbortController is aborted when the consuming fiber is interrupted, and chunks are
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
          const pull = yield* Effect.tryPromise({
            try: () =>
              openStream(openai, options.model, options.api ?? CHAT_COMPLETIONS, request, controller.signal),
            catch: toModelFailed
          })
          let reason = Option.none<FinishReason>()
          let usage = Option.none<TokenUsage>()
          const next = Effect.tryPromise({ try: pull, catch: (error) => Option.some(toModelFailed(error)) })
          const deltas = Stream.repeatEffectOption(
            Effect.flatMap(next, (piece) =>
              piece === undefined ? Effect.fail(Option.none()) : Effect.succeed(piece)
            )
          ).pipe(
            Stream.mapConcat((piece) => {
              if (piece.usage) {
                usage = Option.some({
                  inputTokens: piece.usage.prompt_tokens,
                  outputTokens: piece.usage.completion_tokens
                })
              }
              if (piece.finishReason) reason = Option.some(finishReasons[piece.finishReason] ?? "other")
              return piece.text ? [ChatModelEvent.TextDelta({ text: piece.text })] : []
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

/** What `layerConfig` reads: the model's name and the API it is called through. */
export const config = Config.all({ model: stringOr("CHAT_MODEL", "gpt-4o-mini"), api: apiConfig })

/** `CHAT_MODEL` through `LLM_API` on the shared client. */
export const layerConfig = Layer.unwrapEffect(Effect.map(config, layer))
