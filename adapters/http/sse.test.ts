import { Readable } from "node:stream"
import type { HttpServerResponse } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Duration, Effect, Fiber, Option, Stream, TestClock } from "effect"
import { ChatEvent } from "../../application/chat-turn.ts"
import type { ChatTurn } from "../../application/stream-chat.ts"
import { MessageId } from "../../domain/ids.ts"
import { readSse } from "../../test/support/sse-client.ts"
import { makeHeartbeats } from "./heartbeats.ts"
import type { ServerShutdown } from "./shutdown.ts"
import { uiMessageStreamResponse } from "./sse.ts"

const finished = ChatEvent.Finished({ reason: "stop", usage: Option.none() })
const turnOf = (events: Stream.Stream<ChatEvent>): ChatTurn => ({
  userMessageId: MessageId.make("user-1"),
  assistantMessageId: MessageId.make("assistant-1"),
  contextMessages: 1,
  contextTokens: 60,
  contextUnavailable: false,
  provider: "test",
  model: "test-1",
  readEach: (read) => Stream.runForEachChunk(events, (chunk) => read(Chunk.toReadonlyArray(chunk))),
  stop: Effect.void
})

/** The bytes of a response body written by its own fiber, as a client reads them. */
const streamOf = (response: HttpServerResponse.HttpServerResponse) => {
  const body = response.body
  if (body._tag !== "Raw" || !(body.body instanceof Readable)) throw new Error("expected a written body")
  return NodeStream.fromReadable<Error, Uint8Array>(
    () => body.body as Readable,
    (error) => error as Error
  )
}

// The heartbeat waits on Effect's clock: on the TestClock, `TestClock.adjust` stands for the time a
// quiet model or a stalled reader takes.
describe("uiMessageStreamResponse", () => {
  it.scoped("ends with [DONE], even when its reader stalls long enough for heartbeats to queue up", () =>
    Effect.gen(function* () {
      const response = yield* uiMessageStreamResponse(
        turnOf(Stream.make(ChatEvent.Delta({ text: "Hi" }), finished)),
        "request-1",
        yield* makeHeartbeats(Duration.millis(20))
      )
      const pull = yield* Stream.toPull(streamOf(response))
      const decoder = new TextDecoder()
      let body = ""
      while (true) {
        const pulled = yield* Effect.option(pull)
        if (Option.isNone(pulled)) break
        const text = Chunk.toReadonlyArray(pulled.value)
          .map((bytes) => decoder.decode(bytes))
          .join("")
        body += text
        // A reader that stops reading for ten heartbeats, as a slow client does.
        if (text.includes('"type":"text-delta"')) yield* TestClock.adjust("200 millis")
      }
      expect(body.endsWith("data: [DONE]\n\n")).toBe(true)
    })
  )

  it.scoped(
    "a quiet model gets a heartbeat in each silence, and not one frame of its reply is lost to them",
    () =>
      Effect.gen(function* () {
        // 1.3 s before each word, with a heartbeat every second.
        const words = Stream.make(
          ChatEvent.Delta({ text: "Slow " }),
          ChatEvent.Delta({ text: "reply." })
        ).pipe(Stream.mapEffect((word) => Effect.delay(Effect.succeed(word), "1300 millis")))
        const response = yield* uiMessageStreamResponse(
          turnOf(Stream.concat(words, Stream.make(finished))),
          "request-2",
          yield* makeHeartbeats(Duration.seconds(1))
        )
        const reading = yield* Effect.fork(Stream.mkString(Stream.decodeText(streamOf(response))))
        yield* TestClock.adjust("3 seconds")
        const raw = yield* Fiber.join(reading)
        // One heartbeat before each word, the first before the first word; none after the last.
        expect(
          raw.split('"type":"text-delta"').map((part) => part.match(/^: keep-alive$/gm)?.length ?? 0)
        ).toEqual([1, 1, 0])
        const read = yield* Effect.promise(() => readSse(new Response(raw)))
        expect(read.events).toEqual([
          expect.objectContaining({ type: "start", messageId: "assistant-1" }),
          { type: "text-start", id: "text-assistant-1" },
          { type: "text-delta", id: "text-assistant-1", delta: "Slow " },
          { type: "text-delta", id: "text-assistant-1", delta: "reply." },
          { type: "text-end", id: "text-assistant-1" },
          expect.objectContaining({ type: "finish", finishReason: "stop" }),
          "[DONE]"
        ])
      })
  )

  describe("at shutdown", () => {
    /** A shutdown that keeps the ends its streams register, to run them as its grace runs out. */
    const shutdownKeepingEnds = (ends: Array<Effect.Effect<void>>): ServerShutdown["Type"] => ({
      draining: Effect.succeed(true),
      holdStream: (end) => Effect.sync(() => void ends.push(end)),
      holdTurn: () => Effect.void,
      drain: Effect.void
    })

    /** A turn that sends `events` and then runs until it is stopped. */
    const runningTurn = (events: ReadonlyArray<ChatEvent>) =>
      Effect.map(Deferred.make<void>(), (stopped): ChatTurn => ({
        ...turnOf(Stream.empty),
        readEach: (read) => Effect.zipRight(read(events), Deferred.await(stopped)),
        stop: Deferred.succeed(stopped, undefined)
      }))

    const streamedUntilShutdown = (events: ReadonlyArray<ChatEvent>) =>
      Effect.gen(function* () {
        const ends: Array<Effect.Effect<void>> = []
        const response = yield* uiMessageStreamResponse(
          yield* runningTurn(events),
          "request-3",
          yield* makeHeartbeats(Duration.seconds(15)),
          shutdownKeepingEnds(ends)
        )
        const reading = yield* Effect.fork(Stream.mkString(Stream.decodeText(streamOf(response))))
        yield* TestClock.adjust("1 second")
        expect(ends).toHaveLength(1)
        yield* Effect.all(ends, { discard: true })
        const raw = yield* Fiber.join(reading)
        return (yield* Effect.promise(() => readSse(new Response(raw)))).events
      })

    it.scoped("a stream still open ends in-band: its text, then why it ended, then [DONE]", () =>
      Effect.gen(function* () {
        const events = yield* streamedUntilShutdown([ChatEvent.Delta({ text: "Half a" })])
        expect(events.slice(2)).toEqual([
          { type: "text-delta", id: "text-assistant-1", delta: "Half a" },
          { type: "text-end", id: "text-assistant-1" },
          { type: "error", errorText: expect.stringContaining("The service restarted") },
          "[DONE]"
        ])
      })
    )

    it.scoped("a reply that had finished gets no shutdown parts after its own end", () =>
      Effect.gen(function* () {
        const events = yield* streamedUntilShutdown([ChatEvent.Delta({ text: "Done." }), finished])
        expect(events.slice(2)).toEqual([
          { type: "text-delta", id: "text-assistant-1", delta: "Done." },
          { type: "text-end", id: "text-assistant-1" },
          expect.objectContaining({ type: "finish", finishReason: "stop" }),
          "[DONE]"
        ])
      })
    )
  })
})
