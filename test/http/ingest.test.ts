import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { Conflict } from "../../adapters/http/api-errors.ts"
import { SessionId } from "../../domain/ids.ts"
import { ingestMessage, sessionMessages } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { MAX_BODY_BYTES: "65536" } })
})
afterAll(() => service.close())

const ingest = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  service.request("POST", "/messages/ingest", { body, ...(headers ? { headers } : {}) })

const stored = (sessionId: string) =>
  service.run(Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make(sessionId), 200)))

describe("POST /messages/ingest", () => {
  it("persists a message and answers what happened", async () => {
    const reply = await service.call(
      ingestMessage({ sessionId: "ing-1", messageId: "m1", role: "user", text: "Hi coach", ts: 1000 })
    )
    expect(reply).toEqual({
      messageId: "m1",
      sessionId: "ing-1",
      persisted: true,
      queued: false,
      duplicate: false,
      classification: { decision: "ignore", applied: "ignore", confidence: 0.988, groupId: null }
    })
    expect((await stored("ing-1")).map((i) => [i.messageId, i.text, i.ts, i.seq])).toEqual([
      ["m1", "Hi coach", 1000, 1]
    ])
  })

  it("is idempotent on messageId: a repeat is a duplicate with the same result", async () => {
    const message = ingestMessage({
      sessionId: "ing-2",
      messageId: "i2-m1",
      role: "assistant",
      text: "Hello!",
      groupId: "g1"
    })
    const first = await service.call(message)
    const again = await service.call(message)
    expect(again).toEqual({ ...first, duplicate: true })
    const items = await stored("ing-2")
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ role: "assistant", status: "completed", groupId: "g1" })
  })

  it("answers 409 for the same messageId with other content in the session, writing nothing", async () => {
    await service.call(
      ingestMessage({ sessionId: "ing-3", messageId: "i3-m1", role: "user", text: "original" })
    )
    const conflict = await service.failure(
      ingestMessage({ sessionId: "ing-3", messageId: "i3-m1", role: "user", text: "changed" })
    )
    expect(conflict).toBeInstanceOf(Conflict)
    expect(conflict).toMatchObject({ error: { code: "message_conflict" } })
    expect((await stored("ing-3")).map((i) => i.text)).toEqual(["original"])
  })

  it("takes a messageId used in another session as another message", async () => {
    const first = ingestMessage({ sessionId: "ing-3c", messageId: "i3c-m1", role: "user", text: "original" })
    await service.call(first)
    const elsewhere = await service.call(
      ingestMessage({ sessionId: "ing-3d", messageId: "i3c-m1", role: "user", text: "original" })
    )
    expect(elsewhere).toMatchObject({ sessionId: "ing-3d", persisted: true, duplicate: false })
    expect(await service.call(first)).toMatchObject({ sessionId: "ing-3c", duplicate: true })
    expect((await stored("ing-3c")).map((i) => i.text)).toEqual(["original"])
    expect((await stored("ing-3d")).map((i) => [i.messageId, i.seq])).toEqual([["i3c-m1", 1]])
  })

  it("refuses text over 32,000 characters with 400 naming the field", async () => {
    const reply = await ingest({
      sessionId: "ing-long",
      messageId: "long-1",
      role: "user",
      text: "x".repeat(32_001)
    })
    expect(reply.status).toBe(400)
    expect(reply.body).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("text") }
    })
  })

  it("takes the session from x-session-id when the body has none", async () => {
    const reply = await service.call(ingestMessage({ messageId: "i4-h1", role: "user", text: "hi" }), {
      headers: { "x-session-id": "ing-4" }
    })
    expect(reply).toMatchObject({ sessionId: "ing-4", persisted: true })
    const mismatch = await ingest(
      { sessionId: "ing-4", messageId: "i4-h2", role: "user", text: "hi" },
      { "x-session-id": "other" }
    )
    expect(mismatch.status).toBe(400)
    expect(mismatch.body).toMatchObject({ error: { code: "session_required" } })
    const missing = await ingest({ messageId: "i4-h3", role: "user", text: "hi" })
    expect(missing.body).toMatchObject({ error: { code: "session_required" } })
  })

  it("stores one item for 50 concurrent posts of one messageId, with the same answer to each", async () => {
    const message = ingestMessage({ sessionId: "ing-5", messageId: "race", role: "user", text: "same words" })
    const replies = await Promise.all(Array.from({ length: 50 }, () => service.call(message)))
    expect(replies.filter((reply) => !reply.duplicate)).toHaveLength(1)
    const withoutFlag = new Set(replies.map((reply) => JSON.stringify({ ...reply, duplicate: null })))
    expect(withoutFlag.size).toBe(1)
    expect(await stored("ing-5")).toHaveLength(1)
  })

  it("orders equal timestamps by arrival and keeps out-of-order arrivals by ts", async () => {
    for (const [messageId, ts] of [
      ["a", 500],
      ["b", 100],
      ["c", 500],
      ["d", 300]
    ] as const) {
      await service.call(
        ingestMessage({ sessionId: "ing-6", messageId: `i6-${messageId}`, role: "user", text: messageId, ts })
      )
    }
    const page = await service.call(sessionMessages("ing-6"))
    expect(page.items.map((i) => i.text)).toEqual(["b", "d", "a", "c"])
  })
})

describe("request ids", () => {
  it("echoes a well-formed x-request-id and replaces a malformed one", async () => {
    const kept = await service.request("GET", "/healthz", { headers: { "x-request-id": "req-123.abc" } })
    expect(kept.headers.get("x-request-id")).toBe("req-123.abc")
    const replaced = await service.request("GET", "/healthz", {
      headers: { "x-request-id": "bad id\twith spaces" }
    })
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/)
  })

  it("puts the request id in every error body and header", async () => {
    const reply = await service.request("GET", "/no/such/route", { headers: { "x-request-id": "trace-me" } })
    expect(reply.status).toBe(404)
    expect(reply.headers.get("x-request-id")).toBe("trace-me")
    expect(reply.body).toEqual({
      error: { code: "not_found", message: "no route for GET /no/such/route", requestId: "trace-me" }
    })
  })
})
