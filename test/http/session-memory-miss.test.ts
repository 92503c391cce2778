import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { embeddedStores } from "../../bootstrap/layers.ts"
import { deleteSession, ingestMessage, sessionContext, setSessionOptOut } from "../support/api-client.ts"
import { parseSamples, valueOf } from "../support/prometheus-text.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse } from "../support/sse-client.ts"

// Two service instances on one SQLite file, as two processes behind a load balancer that does not
// route by session: each has its own session memory.
let dataDir: string
let first: TestService
let second: TestService
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-memory-miss-"))
  const start = () =>
    startService({ stores: embeddedStores, env: { DATA_DIR: dataDir, OFFLINE_TOKEN_DELAY_MS: "0" } })
  first = await start()
  second = await start()
})
afterAll(async () => {
  await Promise.all([first.close(), second.close()])
  await rm(dataDir, { recursive: true, force: true })
})

const say = (service: TestService, messageId: string, text: string) =>
  service.call(ingestMessage({ sessionId: "miss-1", messageId, role: "user", text }))

/** The counter of misses; absent (NaN) before the first. Both instances share this test process's registry. */
const misses = async (service: TestService, purpose: string) => {
  const value = valueOf(
    parseSamples((await service.request("GET", "/metrics")).text),
    "coachup_session_memory_misses_total",
    { purpose }
  )
  return Number.isNaN(value) ? 0 : value
}

const chatStart = async (service: TestService, prompt: string) => {
  const response = await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent(prompt)}`, {
    headers: { "x-session-id": "miss-1" }
  })
  expect(response.status).toBe(200)
  const { events } = await readSse(response)
  return events[0] as {
    type: string
    messageMetadata: { contextUnavailable: boolean; contextMessages: number }
  }
}

it("an opted-out session's context asked of the process that does not hold it is reported unavailable and counted, and not by the process that holds it", async () => {
  await first.call(setSessionOptOut("miss-1", true))
  await say(first, "miss-1-a", "first secret")
  await say(first, "miss-1-b", "second secret")

  const held = await first.call(sessionContext("miss-1", "chat"))
  expect(held).toMatchObject({ source: "memory", reason: "not_persisted", contextUnavailable: false })
  expect(held.messages).toHaveLength(2)

  // The process that holds the session: the whole window, no miss.
  const heldBefore = await misses(first, "chat")
  const whole = await chatStart(first, "Let us go on.")
  expect(whole.messageMetadata).toMatchObject({ contextUnavailable: false, contextMessages: 3 })
  expect(await misses(first, "chat")).toBe(heldBefore)

  const elsewhere = await second.call(sessionContext("miss-1", "chat"))
  expect(elsewhere).toMatchObject({ source: "memory", reason: "not_persisted", contextUnavailable: true })
  expect(elsewhere.messages).toHaveLength(0)

  // A turn on the process that lacks the session: it answers with the prompt alone, says so, and counts it.
  const missedBefore = await misses(second, "chat")
  const missed = await chatStart(second, "Where were we?")
  expect(missed.messageMetadata).toMatchObject({ contextUnavailable: true, contextMessages: 1 })
  expect(await misses(second, "chat")).toBe(missedBefore + 1)
})

it("a session that stores its messages is never a miss, wherever it is asked", async () => {
  await first.call(
    ingestMessage({ sessionId: "kept-1", messageId: "kept-1-a", role: "user", text: "stored" })
  )
  const window = await second.call(sessionContext("kept-1", "chat"))
  expect(window).toMatchObject({ source: "store", contextUnavailable: false })
  expect(window.messages).toHaveLength(1)
})

it("a deleted opted-out session has nothing left to miss: opted out again, it is not reported unavailable", async () => {
  await first.call(setSessionOptOut("gone-1", true))
  await first.call(
    ingestMessage({ sessionId: "gone-1", messageId: "gone-1-a", role: "user", text: "secret" })
  )
  expect(await second.call(sessionContext("gone-1", "chat"))).toMatchObject({ contextUnavailable: true })

  await second.call(deleteSession("gone-1"))
  await second.call(setSessionOptOut("gone-1", true))
  expect(await second.call(sessionContext("gone-1", "chat"))).toMatchObject({
    reason: "not_persisted",
    contextUnavailable: false
  })
})
