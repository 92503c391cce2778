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
