import { Chunk, Duration, Effect, Layer, Option, Stream } from "effect"
import { nonNegativeInteger } from "../../../application/config-values.ts"
import { ChatModel, ChatModelEvent, type ChatRequest } from "../../../application/ports/chat-model.ts"

const EXCERPT = 80

const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length > EXCERPT ? `${line.slice(0, EXCERPT - 1)}…` : line
}

/**
 * The offline coach's reply: written by rules, saying so, and reporting how many messages of context
 * it received, so that what the service sends to a model can be seen without one. The system prompt's
 * size is not told: a person reads these replies, and it means nothing to them.
 */
export const offlineReply = (request: ChatRequest): string => {
  const { messages } = request
  const first = messages[0]
  const last = messages.at(-1)
  const lastUser = [...messages].reverse().find((message) => message.role === "user")
  const context =
    first === undefined || last === undefined
      ? "I received no messages of context"
      : `I received ${messages.length} message${messages.length === 1 ? "" : "s"} of context (first from the ${first.role}, last from the ${last.role})`
  return [
    "I'm the offline coach: no language model is configured, so this reply is written by rules.",
    `${context}.`,
    lastUser === undefined ? "" : `You said: "${excerpt(lastUser.text)}".`,
    "Try saying it again as you would to the real person, in one or two sentences."
  ]
    .filter((sentence) => sentence !== "")
    .join(" ")
}

const words = (text: string) => text.split(/(?<=\s)/)

/** A deterministic model with no key and no network; it streams word by word. */
export const make = (options: { readonly tokenDelay: Duration.DurationInput }) =>
  ChatModel.of({
    provider: "offline",
    model: "offline-coach-1",
    stream: (request) => {
      const reply = words(offlineReply(request))
      const inputTokens = request.messages.reduce((count, message) => count + words(message.text).length, 0)
      const delay = Duration.decode(options.tokenDelay)
      // One stream of every event, the end included: a second stream concatenated would cost its
      // reader a channel of its own.
      const events = Stream.fromChunk(
        Chunk.fromIterable<ChatModelEvent>([
          ...reply.map((word) => ChatModelEvent.TextDelta({ text: word })),
          ChatModelEvent.Finished({
            reason: "stop",
            // No tokenizer offline: words stand in for tokens.
            usage: Option.some({ inputTokens, outputTokens: reply.length })
          })
        ])
      )
      // With no delay every word is ready at once: no effect per word, the reader takes them as it
      // goes. With one, each word waits for it; the end follows the last word at once.
      return Duration.isZero(delay)
        ? events
        : Stream.tap(events, (event) => (event._tag === "TextDelta" ? Effect.sleep(delay) : Effect.void))
    },
    estimateCostUsd: () => Option.some(0)
  })

export const layer = (options: { readonly tokenDelay: Duration.DurationInput }) =>
  Layer.succeed(ChatModel, make(options))

/** What `layerConfig` reads: milliseconds between words. */
export const config = nonNegativeInteger("OFFLINE_TOKEN_DELAY_MS", 30)

/** Words paced `OFFLINE_TOKEN_DELAY_MS` apart (0 for benchmarks). */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, (millis) => layer({ tokenDelay: Duration.millis(millis) }))
)
