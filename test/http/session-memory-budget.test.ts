import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { ingestMessage, sessionContext } from "../support/api-client.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { startService, type TestService } from "../support/service.ts"

/** Room for six sessions of one 32,000-character message each, at about 33 KB a session. */
const BUDGET = 200_000

let service: TestService
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: {
      PERSIST_TRANSCRIPTS_ENABLED: "false",
      SESSION_MEMORY_MAX_BYTES: String(BUDGET),
      RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "1000"
    }
  })
})
afterAll(() => service.close())

it("holds memory-only sessions within SESSION_MEMORY_MAX_BYTES, forgetting the least recently used whole", async () => {
  const text = (i: number) => `message ${i} `.padEnd(32_000, "x")
  for (let i = 0; i < 10; i++) {
    await service.call(
      ingestMessage({ sessionId: `big-${i}`, messageId: `big-${i}-1`, role: "user", text: text(i) })
    )
  }
  const metrics = parseSamples((await service.request("GET", "/metrics")).text)
  const held = total(metrics, "coachup_session_memory_bytes")
  expect(held).toBeGreaterThan(BUDGET / 2)
  expect(held).toBeLessThanOrEqual(BUDGET)
  const sessions = total(metrics, "coachup_session_memory_sessions")
  expect(sessions).toBeLessThan(10)
  expect(total(metrics, "coachup_session_memory_evictions_total", { reason: "bytes" })).toBe(10 - sessions)
  expect(await service.call(sessionContext("big-0", "chat"))).toMatchObject({ messages: [] })
  expect(await service.call(sessionContext("big-9", "chat"))).toMatchObject({
    source: "memory",
    messages: [{ text: text(9) }]
  })
})
