import { describe, expect, it } from "@effect/vitest"
import { Chunk, Duration, Effect, Option, Stream } from "effect"
import { ChatEvent } from "../../application/chat-turn.ts"
import type { ChatTurn } from "../../application/stream-chat.ts"
import { MessageId } from "../../domain/ids.ts"
import { uiMessageStreamResponse } from "./sse.ts"

const turn: ChatTurn = {
  userMessageId: MessageId.make("user-1"),
  assistantMessageId: MessageId.make("assistant-1"),
  contextMessages: 1,
  provider: "test",
  model: "test-1",
  events: Stream.make(
    ChatEvent.Delta({ text: "Hi" }),
    ChatEvent.Finished({ reason: "stop", usage: Option.none() })
  )
}

describe("uiMessageStreamResponse", () => {
  it.live("ends with [DONE], even when its reader stalls long enough for heartbeats to queue up", () =>
    Effect.scoped(
      Effect.gen(function* () {
        const response = uiMessageStreamResponse(turn, "request-1", Duration.millis(20))
        if (response.body._tag !== "Stream") throw new Error("expected a streamed body")
        const pull = yield* Stream.toPull(response.body.stream)
        const decoder = new TextDecoder()
        let body = ""
        while (true) {
          const pulled = yield* Effect.option(pull)
          if (Option.isNone(pulled)) break
          const text = Chunk.toReadonlyArray(pulled.value)
            .map((bytes) => decoder.decode(bytes))
            .join("")
          body += text
          // A reader that stops reading for a while, as a slow client does.
          if (text.includes('"type":"text-delta"')) yield* Effect.sleep("200 millis")
        }
        expect(body.endsWith("data: [DONE]\n\n")).toBe(true)
      })
    )
  )
})
