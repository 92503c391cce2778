import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import { errorEnvelope } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"

const MAX_BODY_BYTES = 4096
let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { MAX_BODY_BYTES: String(MAX_BODY_BYTES) } })
})
afterAll(() => service.close())

const valid = { sessionId: "bad-1", messageId: "m1", role: "user", text: "hello" }

interface Case {
  readonly name: string
  readonly method?: string
  readonly path?: string
  readonly body?: unknown
  readonly raw?: string
  readonly headers?: Record<string, string>
  readonly status: number
  readonly code: string
  /** Words the message must contain: the field at fault. */
  readonly mentions?: string | ReadonlyArray<string>
}

const cases: ReadonlyArray<Case> = [
  {
    name: "unknown role",
    body: { ...valid, role: "system" },
    status: 400,
    code: "invalid_request",
    mentions: "role"
  },
  {
    name: "empty text",
    body: { ...valid, text: "" },
    status: 400,
    code: "invalid_request",
    mentions: "text"
  },
  {
    name: "blank text",
    body: { ...valid, text: "   " },
    status: 400,
    code: "invalid_request",
    mentions: "text"
  },
  {
    name: "text too long",
    body: { ...valid, text: "x".repeat(32_001) },
    status: 413,
    code: "payload_too_large"
  },
  {
    name: "missing messageId",
    body: { ...valid, messageId: undefined },
    status: 400,
    code: "invalid_request",
    mentions: "messageId"
  },
  {
    name: "malformed messageId",
    body: { ...valid, messageId: "has space" },
    status: 400,
    code: "invalid_request",
    mentions: "messageId"
  },
  {
    name: "oversized sessionId",
    body: { ...valid, sessionId: "s".repeat(129) },
    status: 400,
    code: "invalid_request",
    mentions: "sessionId"
  },
  {
    name: "ts of the wrong type",
    body: { ...valid, ts: "yesterday" },
    status: 400,
    code: "invalid_request",
    mentions: "ts"
  },
  { name: "negative ts", body: { ...valid, ts: -1 }, status: 400, code: "invalid_request", mentions: "ts" },
  {
    name: "groupId of the wrong type",
    body: { ...valid, groupId: 7 },
    status: 400,
    code: "invalid_request",
    mentions: "groupId"
  },
  {
    name: "audioUrl that is not http",
    body: { ...valid, audioUrl: "ftp://x/y" },
    status: 400,
    code: "invalid_request",
    mentions: "audioUrl"
  },
  {
    name: "several bad fields named at once",
    body: { ...valid, role: "bot", text: "" },
    status: 400,
    code: "invalid_request",
    mentions: ["role", "text"]
  },
  { name: "a JSON array", raw: "[1,2]", status: 400, code: "invalid_request" },
  { name: "malformed JSON", raw: '{"sessionId": ', status: 400, code: "malformed_body" },
  {
    name: "body over the limit",
    raw: JSON.stringify({ ...valid, text: "y".repeat(MAX_BODY_BYTES) }),
    status: 413,
    code: "payload_too_large"
  },
  {
    name: "malformed x-session-id",
    body: { ...valid, sessionId: undefined },
    headers: { "x-session-id": "a/b" },
    status: 400,
    code: "invalid_request",
    mentions: "x-session-id"
  },
  {
    name: "malformed x-user-id",
    body: valid,
    headers: { "x-user-id": "who am i" },
    status: 400,
    code: "invalid_user_id"
  },
  {
    name: "malformed session in the path",
    method: "GET",
    path: "/sessions/bad%20id/messages",
    status: 400,
    code: "invalid_request",
    mentions: "sessionId"
  },
  {
    name: "page size 0",
    method: "GET",
    path: "/sessions/bad-1/messages?limit=0",
    status: 400,
    code: "invalid_request",
    mentions: "limit"
  },
  {
    name: "page size not a number",
    method: "GET",
    path: "/sessions/bad-1/messages?limit=ten",
    status: 400,
    code: "invalid_request",
    mentions: "limit"
  },
  {
    name: "forged cursor",
    method: "GET",
    path: "/sessions/bad-1/messages?cursor=bm9wZQ",
    status: 400,
    code: "invalid_cursor"
  },
  {
    name: "unknown context purpose",
    method: "GET",
    path: "/sessions/bad-1/context?for=poetry",
    status: 400,
    code: "invalid_request",
    mentions: "for"
  },
  {
    name: "missing context purpose",
    method: "GET",
    path: "/sessions/bad-1/context",
    status: 400,
    code: "invalid_request",
    mentions: "for"
  },
  {
    name: "privacy flag of the wrong type",
    method: "PUT",
    path: "/settings/privacy",
    body: { transcriptPersistenceOptOut: "yes" },
    status: 400,
    code: "invalid_request",
    mentions: "transcriptPersistenceOptOut"
  },
  { name: "unknown route", method: "GET", path: "/v2/messages", status: 404, code: "not_found" }
]

describe("malformed requests", () => {
  it.each(cases)("$name → $status $code", async (test) => {
    const reply = await service.request(test.method ?? "POST", test.path ?? "/messages/ingest", {
      ...(test.body === undefined ? {} : { body: test.body }),
      ...(test.raw === undefined ? {} : { raw: test.raw }),
      ...(test.headers === undefined ? {} : { headers: test.headers })
    })
    expect(reply.status).toBe(test.status)
    const { error } = errorEnvelope(reply)
    expect(error.code).toBe(test.code)
    expect(error.requestId).toBe(reply.headers.get("x-request-id"))
    for (const field of [test.mentions ?? []].flat()) expect(error.message).toContain(field)
  })

  it("cuts off a chunked body that grows past the limit, and keeps serving", async () => {
    const chunk = new TextEncoder().encode("z".repeat(1024))
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(chunk)
        controller.close()
      }
    })
    // No length was declared, so the limit is found while reading; the platform then drops the
    // connection instead of reading on (see docs/decisions on body limits).
    const outcome = await fetch(`${service.url}/messages/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half"
    } as RequestInit).then(
      (response) => response.status,
      () => "connection closed"
    )
    expect([413, "connection closed"]).toContain(outcome)
    expect((await service.request("GET", "/healthz")).status).toBe(200)
  })

  it("wrote nothing for any of them", async () => {
    const items = await service.run(
      Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make("bad-1"), 10))
    )
    expect(items).toEqual([])
  })
})
