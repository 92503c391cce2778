import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { ingestMessage, setSessionOptOut } from "../support/api-client.ts"
import { startFakeOpenAi } from "../support/fake-openai-server.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse, textOf } from "../support/sse-client.ts"

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>
let service: TestService
beforeAll(async () => {
  fake = await startFakeOpenAi()
  service = await startService({
    stores: memoryStores,
    env: {
      LLM_PROVIDER: "openai",
      OPENAI_BASE_URL: fake.baseUrl,
      CHAT_MODEL: "ok",
      CLASSIFIER_MODEL: "classify-start"
    }
  })
})
afterAll(async () => {
  await service.close()
  await fake.close()
})

it("streams an OpenAI-compatible provider's reply end to end, with store:false for an opted-out session", async () => {
  const open = await readSse(
    await fetch(`${service.url}/chat/stream?prompt=hi`, {
      headers: { "x-session-id": "oa-1", "x-request-id": "oa-req-1" }
    })
  )
  expect(textOf(open.events)).toBe("Hello")
  expect(open.events[0]).toMatchObject({ messageMetadata: { provider: "openai", model: "ok" } })
  expect(fake.seen.at(-1)!.headers["x-request-id"]).toBe("oa-req-1")
  expect(fake.seen.at(-1)!.body).not.toHaveProperty("store")

  await service.call(setSessionOptOut("oa-2", true))
  await readSse(
    await fetch(`${service.url}/chat/stream?prompt=private`, { headers: { "x-session-id": "oa-2" } })
  )
  expect(fake.seen.at(-1)!.body).toMatchObject({ store: false })
})

it("classifies ingested user messages with the provider's structured output", async () => {
  const reply = await service.call(
    ingestMessage({
      sessionId: "oa-3",
      messageId: "oa-3-a",
      role: "user",
      text: "Be my landlord for a minute?"
    })
  )
  expect(reply).toMatchObject({
    classification: { decision: "start", applied: "start", confidence: 0.93 }
  })
  expect(fake.seen.at(-1)!.body).toMatchObject({
    model: "classify-start",
    response_format: { type: "json_schema" }
  })
})

it("with LLM_API=completions, chats and classifies through /completions with composed prompts", async () => {
  const completions = await startService({
    stores: memoryStores,
    env: {
      LLM_PROVIDER: "openai",
      LLM_API: "completions",
      LLM_COMPLETIONS_MAX_TOKENS: "256",
      OPENAI_BASE_URL: fake.baseUrl,
      CHAT_MODEL: "ok",
      CLASSIFIER_MODEL: "classify-start",
      CHAT_SYSTEM_PROMPT: "Coach briefly."
    }
  })
  try {
    const classified = await completions.call(
      ingestMessage({ sessionId: "oa-4", messageId: "oa-4-a", role: "user", text: "Be my landlord?" })
    )
    expect(classified.classification).toMatchObject({ decision: "start", confidence: 0.93 })
    expect(fake.seen.at(-1)).toMatchObject({ path: "/v1/completions", body: { max_tokens: 256 } })

    const before = fake.seen.length
    const turn = await readSse(
      await fetch(`${completions.url}/chat/stream?prompt=Hi%20there`, { headers: { "x-session-id": "oa-4" } })
    )
    expect(textOf(turn.events)).toBe("Hello")
    const chat = fake.seen.slice(before).find((request) => request.body["stream"] === true)
    expect(chat).toMatchObject({
      path: "/v1/completions",
      body: { prompt: "Coach briefly.\n\nuser: Be my landlord?\nuser: Hi there\nassistant:", max_tokens: 256 }
    })
  } finally {
    await completions.close()
  }
})
