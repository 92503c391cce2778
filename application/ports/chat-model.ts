import { Context, Data, type Option, type Stream } from "effect"
import type { ModelFailed } from "../../domain/errors.ts"
import type { PromptMessage } from "../../domain/prompt-composition.ts"

export interface TokenUsage {
  readonly inputTokens: number
  readonly outputTokens: number
}

export type FinishReason = "stop" | "length" | "content_filter" | "other"

/** One turn's input: the system prompt and the context window, oldest first, ending with the user. */
export interface ChatRequest {
  readonly systemPrompt: string
  readonly messages: ReadonlyArray<PromptMessage>
  /** False for an opted-out session: the provider is asked not to keep the exchange, where it can be. */
  readonly providerMayStore: boolean
  /** Propagated to the provider call for correlation. */
  readonly requestId: string
}

/** What a model stream emits: text as it comes, then one `Finished`. */
export type ChatModelEvent = Data.TaggedEnum<{
  TextDelta: { readonly text: string }
  Finished: { readonly reason: FinishReason; readonly usage: Option.Option<TokenUsage> }
}>
export const ChatModelEvent = Data.taggedEnum<ChatModelEvent>()

/**
 * A chat model that streams a reply. Interrupting the consuming fiber cancels the upstream call.
 * Provider failures arrive as `ModelFailed`, never as defects.
 */
export class ChatModel extends Context.Tag("coachup/ChatModel")<
  ChatModel,
  {
    readonly provider: string
    readonly model: string
    readonly stream: (request: ChatRequest) => Stream.Stream<ChatModelEvent, ModelFailed>
    /** Estimated cost in US dollars of a turn's usage, where the price is known. */
    readonly estimateCostUsd: (usage: TokenUsage) => Option.Option<number>
  }
>() {}
