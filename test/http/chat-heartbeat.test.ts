import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import * as Scripted from "../support/scripted-chat-model.ts"
import { ScriptedChatModel } from "../support/scripted-chat-model.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse, textOf } from "../support/sse-client.ts"

let service: TestService<ScriptedChatModel>
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    chatModel: Scripted.layer,
    env: { SSE_HEARTBEAT_SECONDS: "1", CHAT_IDLE_TIMEOUT_MS: "5000" }
  })
})
afterAll(() => service.close())

it("a quiet model gets heartbeats on the wire, and not one frame of its reply is lost to them", async () => {
  // 1.3 s before each word: a heartbeat falls in each silence.
  await service.run(
    Effect.flatMap(ScriptedChatModel, (model) =>
      model.setScript({ deltas: ["Slow ", "reply."], delayMs: 1_300 })
    )
  )
  const response = await fetch(`${service.url}/chat/stream?prompt=hello`, {
    headers: { "x-session-id": "heartbeat" }
  })
  const raw = await response.text()
  expect(raw.match(/^: keep-alive$/gm)?.length).toBeGreaterThanOrEqual(2)
  // The first heartbeat comes before the first word.
  expect(raw.indexOf(": keep-alive")).toBeLessThan(raw.indexOf('"type":"text-delta"'))
  const read = await readSse(new Response(raw))
  expect(textOf(read.events)).toBe("Slow reply.")
  const types = read.events.map((event) =>
    typeof event === "string" ? event : (event as { type: string }).type
  )
  expect(types).toEqual(["start", "text-start", "text-delta", "text-delta", "text-end", "finish", "[DONE]"])
})
