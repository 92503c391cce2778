import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse, textOf } from "../support/sse-client.ts"

/** Runs only against a real provider: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any compatible server). */
const configured = Boolean(process.env["OPENAI_API_KEY"] || process.env["OPENAI_BASE_URL"])
if (!configured)
  console.info("test/llm: skipped — set OPENAI_API_KEY or OPENAI_BASE_URL to run against a real provider")

describe.skipIf(!configured)("real provider: a coaching turn end to end", () => {
  let service: TestService
  beforeAll(async () => {
    service = await startService({
      stores: memoryStores,
      env: Object.fromEntries(
        Object.entries({ ...process.env, LLM_PROVIDER: "openai", PORT: "0", HOST: "127.0.0.1" }).filter(
          (entry): entry is [string, string] => entry[1] !== undefined
        )
      )
    })
  })
  afterAll(() => service.close())

  it("streams a non-empty reply and stores it completed", async () => {
    const read = await readSse(
      await fetch(
        `${service.url}/chat/stream?prompt=${encodeURIComponent("Give me one tip for a salary talk.")}`,
        {
          headers: { "x-session-id": "llm-real-1" }
        }
      )
    )
    expect(textOf(read.events).length).toBeGreaterThan(0)
    expect(read.events.at(-2)).toMatchObject({ type: "finish" })
    const messages = await service.request("GET", "/sessions/llm-real-1/messages")
    expect(messages.body).toMatchObject({
      items: [{ role: "user" }, { role: "assistant", status: "completed" }]
    })
  }, 60_000)
})
