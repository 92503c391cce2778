import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse } from "../support/sse-client.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: {
      OFFLINE_TOKEN_DELAY_MS: "0",
      RATE_LIMIT_CHAT_PER_USER_PER_MINUTE: "5",
      RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "3",
      RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "2"
    }
  })
})
afterAll(() => service.close())

it("answers 429 with Retry-After once a session's chat burst is spent, and spares other sessions", async () => {
  const chat = (sessionId: string) =>
    fetch(`${service.url}/chat/stream?prompt=again`, { headers: { "x-session-id": sessionId } })
  for (let i = 0; i < 3; i++) expect((await readSse(await chat("busy"))).status).toBe(200)
  const limited = await service.request("GET", "/chat/stream?prompt=again", {
    headers: { "x-session-id": "busy" }
  })
  expect(limited.status).toBe(429)
  expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
  expect(limited.body).toMatchObject({
    error: { code: "rate_limited", requestId: limited.headers.get("x-request-id") }
  })
  expect((await readSse(await chat("calm"))).status).toBe(200)
})

it("keys a session's budget on its user too: another user's turns in that session are not found, not limited", async () => {
  const chat = (userId: string) =>
    fetch(`${service.url}/chat/stream?prompt=again`, {
      headers: { "x-session-id": "shared", "x-user-id": userId }
    })
  for (let i = 0; i < 3; i++) expect((await readSse(await chat("first"))).status).toBe(200)
  expect((await chat("first")).status).toBe(429)
  expect((await chat("second")).status).toBe(404)
})

it("spends none of a user's budget on a request its session's budget refuses", async () => {
  const chat = (sessionId: string) =>
    fetch(`${service.url}/chat/stream?prompt=again`, {
      headers: { "x-session-id": sessionId, "x-user-id": "patient" }
    })
  for (let i = 0; i < 3; i++) expect((await readSse(await chat("patient-busy"))).status).toBe(200)
  for (let i = 0; i < 4; i++) {
    const refused = await chat("patient-busy")
    expect(refused.status).toBe(429)
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("this session")
  }
  // Two of the user's five are left: the refusals took none.
  expect((await readSse(await chat("patient-calm"))).status).toBe(200)
  expect((await readSse(await chat("patient-calm"))).status).toBe(200)
  expect((await chat("patient-calm")).status).toBe(429)
})

it("limits ingestion per user", async () => {
  const ingest = (messageId: string) =>
    service.request("POST", "/messages/ingest", {
      headers: { "x-user-id": "chatty" },
      body: { sessionId: `rl-${messageId}`, messageId, role: "user", text: "hi" }
    })
  expect((await ingest("rl-1")).status).toBe(200)
  expect((await ingest("rl-2")).status).toBe(200)
  const third = await ingest("rl-3")
  expect(third.status).toBe(429)
  expect(third.headers.get("retry-after")).not.toBeNull()
})
