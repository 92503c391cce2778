import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { startFakeOpenAi } from "../../../test/support/fake-openai-server.ts"
import { make } from "./boundary-classifier.ts"
import { client } from "./client.ts"

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>
beforeAll(async () => {
  fake = await startFakeOpenAi()
})
afterAll(() => fake.close())

const classifier = (model: string, kind: "chat" | "completions" = "chat") =>
  make(client({ apiKey: Option.none(), baseUrl: Option.some(fake.baseUrl), maxRetries: 0 }), {
    model,
    api: { kind, maxTokens: 200 }
  })

const request = {
  systemPrompt: "Label the latest user message.",
  messages: [
    { role: "assistant" as const, text: "What shall we work on?" },
    { role: "user" as const, text: "Can you be my landlord\nfor a minute?" }
  ],
  providerMayStore: false,
  interactionOpen: true,
  requestId: "cls-1"
}

describe("OpenAI boundary classifier (real SDK, local OpenAI-compatible server)", () => {
  it.effect("asks for structured output from the Classification Schema and validates the answer", () =>
    Effect.gen(function* () {
      expect(yield* classifier("classify-start").classify(request)).toEqual({
        decision: "start",
        confidence: 0.93
      })
      const sent = fake.seen.at(-1)!.body as {
        messages: Array<{ role: string; content: string }>
        response_format: { type: string; json_schema: { schema: { required: Array<string> } } }
        store?: boolean
      }
      expect(sent.response_format.type).toBe("json_schema")
      expect(sent.response_format.json_schema.schema.required).toEqual(["decision", "confidence"])
      expect(sent.messages[0]).toEqual({ role: "system", content: "Label the latest user message." })
      expect(sent.messages[1]!.content).toContain(
        "assistant: What shall we work on?\nuser: Can you be my landlord for a minute?"
      )
      expect(sent.store).toBe(false)
      expect(fake.seen.at(-1)!.headers["x-request-id"]).toBe("cls-1")
    })
  )

  it.effect.each(["chat", "completions"] as const)(
    "on %s, a malformed or out-of-range answer is a ModelFailed(protocol), not a decision",
    (kind) =>
      Effect.gen(function* () {
        for (const model of ["classify-malformed", "classify-out-of-range"]) {
          const error = yield* Effect.flip(classifier(model, kind).classify(request))
          expect(error).toMatchObject({ _tag: "ModelFailed", reason: "protocol" })
        }
      })
  )

  it.effect(
    "with LLM_API=completions sends one composed prompt and reads the JSON out of the completion",
    () =>
      Effect.gen(function* () {
        expect(yield* classifier("classify-start", "completions").classify(request)).toEqual({
          decision: "start",
          confidence: 0.93
        })
        const seen = fake.seen.at(-1)!
        expect(seen.path).toBe("/v1/completions")
        const sent = seen.body as { prompt: string; max_tokens: number; store?: boolean }
        expect(sent.prompt).toMatch(/^Label the latest user message\.\n/)
        expect(sent.prompt).toContain(
          "assistant: What shall we work on?\nuser: Can you be my landlord for a minute?"
        )
        expect(sent.prompt).toContain('"required":["decision","confidence"]')
        expect(sent.prompt).toMatch(/\nassistant:$/)
        expect(sent.max_tokens).toBe(200)
        expect(sent).not.toHaveProperty("store")
      })
  )
})
