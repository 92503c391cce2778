import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { startFakeOpenAi } from "../../../test/support/fake-openai-server.ts"
import { COMMUNICATION_RUBRIC_V1 } from "../../../domain/assessment.ts"
import { make } from "./assessor.ts"
import { client } from "./client.ts"

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>
beforeAll(async () => {
  fake = await startFakeOpenAi()
})
afterAll(() => fake.close())

const assessor = (model: string) =>
  make(client({ apiKey: Option.none(), baseUrl: Option.some(fake.baseUrl), maxRetries: 0 }), { model })

const request = {
  systemPrompt: "Assess the interaction.",
  rubric: COMMUNICATION_RUBRIC_V1,
  transcript: [
    { role: "user" as const, text: "Let's practise asking my manager for a raise." },
    { role: "assistant" as const, text: "I'm your manager. Go ahead." },
    { role: "user" as const, text: "I need a raise: I shipped three projects early." }
  ],
  providerMayStore: false,
  requestId: "assess-1"
}

describe("OpenAI assessor (real SDK, local OpenAI-compatible server)", () => {
  it.effect("sends the rubric and transcript, asks for structured output, and validates the answer", () =>
    Effect.gen(function* () {
      const draft = yield* assessor("assess-ok").assess(request)
      expect(draft.scores.map((score) => [score.criterion, score.score])).toEqual([
        ["clarity", 4],
        ["structure", 3],
        ["empathy", 2],
        ["assertiveness", 5]
      ])
      expect(draft.nextStep).toBe("Open by naming the budget pressure before you ask.")
      const sent = fake.seen.at(-1)!.body as {
        model: string
        messages: Array<{ role: string; content: string }>
        response_format: { type: string; json_schema: { name: string; schema: { required: Array<string> } } }
        store?: boolean
      }
      expect(sent.model).toBe("assess-ok")
      expect(sent.response_format.json_schema.name).toBe("interaction_assessment")
      expect(sent.response_format.json_schema.schema.required).toEqual(["scores", "summary", "nextStep"])
      expect(sent.messages[0]).toEqual({ role: "system", content: "Assess the interaction." })
      const prompt = sent.messages[1]!.content
      expect(prompt).toContain("Rubric communication-v1")
      for (const criterion of COMMUNICATION_RUBRIC_V1.criteria)
        expect(prompt).toContain(`- ${criterion.id} (`)
      expect(prompt).toContain("assistant: I'm your manager. Go ahead.\nuser: I need a raise")
      expect(sent.store).toBe(false)
      expect(fake.seen.at(-1)!.headers["x-request-id"]).toBe("assess-1")
    })
  )

  it.effect("a score outside 1..5 is a ModelFailed(protocol)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(assessor("assess-score-out-of-range").assess(request))
      expect(error).toMatchObject({ _tag: "ModelFailed", reason: "protocol" })
      // It says where the answer was wrong, never what it said: the reason is stored and logged.
      expect(error.message).toContain("scores.0.score")
      expect(error.message).not.toContain("Too good")
    })
  )
})
