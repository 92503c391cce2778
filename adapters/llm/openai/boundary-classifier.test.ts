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

const classifier = (model: string) =>
  make(client({ apiKey: Option.none(), baseUrl: Option.some(fake.baseUrl), maxRetries: 0 }), { model })

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

  it.effect.each(["classify-malformed", "classify-out-of-range"])(
    "%s is a ModelFailed(protocol), not a decision",
    (model) =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(classifier(model).classify(request))
        expect(error).toMatchObject({ _tag: "ModelFailed", reason: "protocol" })
      })
  )
})
