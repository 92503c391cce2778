import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import type { ChatRequest } from "../../../application/ports/chat-model.ts"
import { type Behaviour, startFakeOpenAi } from "../../../test/support/fake-openai-server.ts"
import { make } from "./chat-model.ts"
import { client, type OpenAiApi } from "./client.ts"

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>
beforeAll(async () => {
  fake = await startFakeOpenAi()
})
afterAll(() => fake.close())

const request: ChatRequest = {
  systemPrompt: "Be a coach.",
  messages: [
    { role: "user", text: "Hi" },
    { role: "assistant", text: "Hello!" },
    { role: "user", text: "Help me." }
  ],
  providerMayStore: true,
  requestId: "req-openai-1"
}

const model = (behaviour: Behaviour, maxRetries = 0, api?: OpenAiApi) =>
  make(client({ apiKey: Option.none(), baseUrl: Option.some(fake.baseUrl), maxRetries }), {
    model: behaviour,
    ...(api === undefined ? {} : { api })
  })
const completionsApi: OpenAiApi = { kind: "completions", maxTokens: 300 }

/** What the fake streams for "ok": two deltas, then the finish with the usage it reports. */
const HELLO = [
  { _tag: "TextDelta", text: "Hel" },
  { _tag: "TextDelta", text: "lo" },
  { _tag: "Finished", reason: "stop", usage: Option.some({ inputTokens: 11, outputTokens: 2 }) }
]

describe("OpenAI chat model (real SDK, local OpenAI-compatible server)", () => {
  it.effect(
    "streams deltas, then the finish reason and usage; sends system + window and the request id",
    () =>
      Effect.gen(function* () {
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(model("ok").stream(request)))
        expect(events).toEqual(HELLO)
        const seen = fake.seen.at(-1)!
        expect(seen.path).toBe("/v1/chat/completions")
        expect(seen.body).toMatchObject({
          model: "ok",
          stream: true,
          stream_options: { include_usage: true },
          messages: [
            { role: "system", content: "Be a coach." },
            { role: "user", content: "Hi" },
            { role: "assistant", content: "Hello!" },
            { role: "user", content: "Help me." }
          ]
        })
        expect(seen.body).not.toHaveProperty("store")
        expect(seen.headers["x-request-id"]).toBe("req-openai-1")
      })
  )

  it.effect("asks the provider not to store an opted-out session's exchange", () =>
    Effect.gen(function* () {
      yield* Stream.runDrain(model("ok").stream({ ...request, providerMayStore: false }))
      expect(fake.seen.at(-1)!.body["store"]).toBe(false)
    })
  )

  it.effect("an error mid-stream fails the stream with ModelFailed after the text so far", () =>
    Effect.gen(function* () {
      const seenText: Array<string> = []
      const error = yield* model("error-mid-stream")
        .stream(request)
        .pipe(
          Stream.runForEach((event) =>
            Effect.sync(() => event._tag === "TextDelta" && seenText.push(event.text))
          ),
          Effect.flip
        )
      expect(seenText).toEqual(["Hel"])
      expect(error._tag).toBe("ModelFailed")
    })
  )

  it.effect("interrupting the consumer aborts the upstream request", () =>
    Effect.gen(function* () {
      const before = fake.seen.length
      const fiber = yield* Effect.fork(Stream.runDrain(model("slow-first-token").stream(request)))
      yield* Effect.promise(async () => {
        while (fake.seen.length === before) await new Promise((resolve) => setTimeout(resolve, 5))
      })
      const started = Date.now()
      yield* Fiber.interrupt(fiber)
      yield* Effect.promise(() => fake.seen.at(-1)!.aborted)
      expect(Date.now() - started).toBeLessThan(1_000)
    })
  )

  it.effect("retries before the first token (429), then streams", () =>
    Effect.gen(function* () {
      const before = fake.seen.length
      const events = yield* Stream.runCollect(model("rate-limited-once", 2).stream(request))
      expect(Chunk.size(events)).toBe(3)
      expect(fake.seen.length - before).toBe(2)
    })
  )

  it.effect("a stream cut off before its finish reason fails: the reply is not complete", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Stream.runDrain(model("cut-off").stream(request)))
      expect(error).toMatchObject({ _tag: "ModelFailed", reason: "protocol" })
    })
  )

  it.effect("takes a usage chunk without choices, as some compatible servers send it", () =>
    Effect.gen(function* () {
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(model("usage-without-choices").stream(request))
      )
      expect(events.at(-1)).toEqual({
        _tag: "Finished",
        reason: "stop",
        usage: Option.some({ inputTokens: 11, outputTokens: 2 })
      })
    })
  )

  it.effect(
    "with LLM_API=completions streams from /completions with the window composed into one prompt",
    () =>
      Effect.gen(function* () {
        const events = Chunk.toReadonlyArray(
          yield* Stream.runCollect(
            model("ok", 0, completionsApi).stream({ ...request, providerMayStore: false })
          )
        )
        expect(events).toEqual(HELLO)
        const seen = fake.seen.at(-1)!
        expect(seen.path).toBe("/v1/completions")
        expect(seen.body).toEqual({
          model: "ok",
          prompt: "Be a coach.\n\nuser: Hi\nassistant: Hello!\nuser: Help me.\nassistant:",
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: 300,
          stop: ["\nuser:", "\nassistant:"]
        })
        expect(seen.headers["x-request-id"]).toBe("req-openai-1")
      })
  )

  it.effect("with LLM_API=completions a stream cut off before its finish reason still fails", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Stream.runDrain(model("cut-off", 0, completionsApi).stream(request)))
      expect(error).toMatchObject({ _tag: "ModelFailed", reason: "protocol" })
    })
  )

  it.effect("maps a rejected request to ModelFailed(rejected)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Stream.runDrain(model("bad-request").stream(request)))
      expect(error).toMatchObject({ _tag: "ModelFailed", reason: "rejected" })
    })
  )
})
