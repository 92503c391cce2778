import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: {
      CHAT_CONTEXT_LIMIT: "5",
      CLASSIFIER_CONTEXT_LIMIT: "3",
      CHAT_SYSTEM_PROMPT: "You are the test coach.",
      CLASSIFIER_SYSTEM_PROMPT: "Label the message."
    }
  })
})
afterAll(() => service.close())

interface ContextBody {
  readonly limit: number
  readonly systemPrompt: string
  readonly source: string
  readonly reason: string
  readonly messages: ReadonlyArray<{ readonly text: string; readonly groupId?: string }>
}

const context = async (
  sessionId: string,
  purpose: "chat" | "classifier",
  headers?: Record<string, string>
) => {
  const reply = await service.request(
    "GET",
    `/sessions/${sessionId}/context?for=${purpose}`,
    headers ? { headers } : {}
  )
  expect(reply.status).toBe(200)
  return reply.body as ContextBody
}

const say = (
  sessionId: string,
  messageId: string,
  text: string,
  extra: Record<string, unknown> = {},
  headers?: Record<string, string>
) =>
  service.request("POST", "/messages/ingest", {
    body: { sessionId, messageId, role: "user", text, ...extra },
    ...(headers ? { headers } : {})
  })

const stored = (sessionId: string) =>
  service.run(Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make(sessionId), 200)))

describe("GET /sessions/:sessionId/context", () => {
  it("is the last CHAT_CONTEXT_LIMIT messages by (ts, seq) plus the chat system prompt, across groups", async () => {
    for (let i = 1; i <= 8; i++) {
      await say("ctx-1", `ctx-1-${i}`, `turn ${i}`, {
        ts: i === 4 ? 9_999 : i * 10,
        ...(i % 2 ? { groupId: "g-odd" } : {})
      })
    }
    const chat = await context("ctx-1", "chat")
    expect(chat).toMatchObject({
      limit: 5,
      systemPrompt: "You are the test coach.",
      source: "store",
      reason: "store"
    })
    expect(chat.messages.map((m) => m.text)).toEqual(["turn 5", "turn 6", "turn 7", "turn 8", "turn 4"])
    const classifier = await context("ctx-1", "classifier")
    expect(classifier).toMatchObject({ limit: 3, systemPrompt: "Label the message." })
    expect(classifier.messages.map((m) => m.text)).toEqual(["turn 7", "turn 8", "turn 4"])
  })

  it("is empty for a session nobody wrote to", async () => {
    expect((await context("ctx-nobody", "chat")).messages).toEqual([])
  })
})

describe("privacy", () => {
  it("reads and sets the user's opt-out, per x-user-id", async () => {
    const alice = { "x-user-id": "alice" }
    expect((await service.request("GET", "/settings/privacy", { headers: alice })).body).toEqual({
      userId: "alice",
      transcriptPersistenceOptOut: false
    })
    const put = await service.request("PUT", "/settings/privacy", {
      headers: alice,
      body: { transcriptPersistenceOptOut: true }
    })
    expect(put.body).toEqual({ userId: "alice", transcriptPersistenceOptOut: true })
    expect((await service.request("GET", "/settings/privacy", { headers: alice })).body).toMatchObject({
      transcriptPersistenceOptOut: true
    })
    expect((await service.request("GET", "/settings/privacy")).body).toEqual({
      userId: "local",
      transcriptPersistenceOptOut: false
    })
  })

  it("an opted-out session leaves nothing in the store, yet its context comes back from memory", async () => {
    const put = await service.request("PUT", "/sessions/priv-1/privacy", {
      body: { transcriptPersistenceOptOut: true }
    })
    expect(put.body).toEqual({ sessionId: "priv-1", transcriptPersistenceOptOut: true })
    const first = await say("priv-1", "priv-1-a", "secret one")
    await say("priv-1", "priv-1-b", "secret two")
    expect(first.body).toMatchObject({
      messageId: "priv-1-a",
      sessionId: "priv-1",
      persisted: false,
      duplicate: false,
      skippedReason: "session_opt_out"
    })
    expect(await stored("priv-1")).toEqual([])
    expect((await service.request("GET", "/sessions/priv-1/messages")).body).toMatchObject({ items: [] })
    const chat = await context("priv-1", "chat")
    expect(chat).toMatchObject({ source: "memory", reason: "not_persisted" })
    expect(chat.messages.map((m) => m.text)).toEqual(["secret one", "secret two"])
    const again = await say("priv-1", "priv-1-a", "secret one")
    expect(again.body).toMatchObject({ duplicate: true, persisted: false, skippedReason: "session_opt_out" })
    const conflict = await say("priv-1", "priv-1-a", "another secret")
    expect(conflict.status).toBe(409)
  })

  it("a user's opt-out covers their sessions unless a session overrides it", async () => {
    const bob = { "x-user-id": "bob" }
    await service.request("PUT", "/settings/privacy", {
      headers: bob,
      body: { transcriptPersistenceOptOut: true }
    })
    const skipped = await say("priv-2", "priv-2-a", "private", {}, bob)
    expect(skipped.body).toMatchObject({ persisted: false, skippedReason: "user_opt_out" })
    await service.request("PUT", "/sessions/priv-3/privacy", { body: { transcriptPersistenceOptOut: false } })
    const kept = await say("priv-3", "priv-3-a", "keep this", {}, bob)
    expect(kept.body).toMatchObject({ persisted: true })
    expect(await stored("priv-2")).toEqual([])
    expect((await stored("priv-3")).map((i) => i.text)).toEqual(["keep this"])

    // What each session follows for bob, and why; another user sees their own default.
    const privacy = async (sessionId: string, headers: Record<string, string> = bob) =>
      (await service.request("GET", `/sessions/${sessionId}/privacy`, { headers })).body
    expect(await privacy("priv-2")).toEqual({
      sessionId: "priv-2",
      transcriptPersistenceOptOut: true,
      source: "user"
    })
    expect(await privacy("priv-3")).toEqual({
      sessionId: "priv-3",
      transcriptPersistenceOptOut: false,
      source: "session"
    })
    expect(await privacy("priv-2", { "x-user-id": "carol" })).toEqual({
      sessionId: "priv-2",
      transcriptPersistenceOptOut: false,
      source: "default"
    })
  })
})

describe("DELETE /sessions/:sessionId", () => {
  it("removes the transcript from the store and from memory", async () => {
    await say("del-1", "del-1-a", "one")
    await say("del-1", "del-1-b", "two")
    const reply = await service.request("DELETE", "/sessions/del-1")
    expect(reply.body).toEqual({ sessionId: "del-1", deleted: 2 })
    expect(await stored("del-1")).toEqual([])
    expect((await context("del-1", "chat")).messages).toEqual([])
  })
})

describe("GET /sessions/:sessionId/messages", () => {
  it("pages in both orders with opaque cursors", async () => {
    for (let i = 0; i < 5; i++) await say("page-1", `page-1-${i}`, `m${i}`, { ts: 100 + i })
    const first = await service.request("GET", "/sessions/page-1/messages?limit=2")
    const body = first.body as { items: Array<{ text: string }>; nextCursor: string | null }
    expect(body.items.map((i) => i.text)).toEqual(["m0", "m1"])
    const second = await service.request("GET", `/sessions/page-1/messages?limit=2&cursor=${body.nextCursor}`)
    expect((second.body as typeof body).items.map((i) => i.text)).toEqual(["m2", "m3"])
    const desc = await service.request("GET", "/sessions/page-1/messages?order=desc&limit=10")
    expect(desc.body).toMatchObject({ order: "desc", nextCursor: null })
    expect((desc.body as typeof body).items.map((i) => i.text)).toEqual(["m4", "m3", "m2", "m1", "m0"])
  })
})
