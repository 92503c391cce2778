import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { Conflict } from "../../adapters/http/api-errors.ts"
import { SessionId } from "../../domain/ids.ts"
import {
  deleteSession,
  ingestMessage,
  sessionContext,
  sessionMessages,
  sessionPath,
  setSessionOptOut,
  setUserOptOut
} from "../support/api-client.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
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

const context = (sessionId: string, purpose: "chat" | "classifier") =>
  service.call(sessionContext(sessionId, purpose))

const say = (
  sessionId: string,
  messageId: string,
  text: string,
  extra: { readonly ts?: number; readonly groupId?: string } = {},
  headers?: Record<string, string>
) => service.call(ingestMessage({ sessionId, messageId, role: "user", text, ...extra }), { headers })

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

  it("is a reading, not a window built: the context metrics count model calls only", async () => {
    await say("ctx-read", "ctx-read-1", "Just reading")
    const windowsBuilt = async () => {
      const samples = parseSamples(await (await fetch(`${service.url}/metrics`)).text())
      return [
        "coachup_chat_context_messages_count",
        "coachup_classifier_context_messages_count",
        "coachup_classifier_context_build_total"
      ].map((name) => total(samples, name))
    }
    const before = await windowsBuilt()
    for (const purpose of ["chat", "classifier", "chat"] as const) await context("ctx-read", purpose)
    expect(await windowsBuilt()).toEqual(before)
  })

  it("is not found for a session nobody wrote to, as for another user's", async () => {
    expect(await service.failure(sessionContext("ctx-nobody", "chat"))).toMatchObject({
      error: { code: "session_not_found" }
    })
  })
})

describe("privacy", () => {
  it("reads and sets the user's opt-out, per x-user-id", async () => {
    const alice = { headers: { "x-user-id": "alice" } }
    const read = (options = {}) => service.call((client) => client.privacy.getUserPrivacy(), options)
    expect(await read(alice)).toEqual({ userId: "alice", transcriptPersistenceOptOut: false })
    const put = await service.call(setUserOptOut(true), alice)
    expect(put).toEqual({ userId: "alice", transcriptPersistenceOptOut: true })
    expect(await read(alice)).toMatchObject({ transcriptPersistenceOptOut: true })
    expect(await read()).toEqual({ userId: "local", transcriptPersistenceOptOut: false })
  })

  it("an opted-out session leaves nothing in the store, yet its context comes back from memory", async () => {
    const put = await service.call(setSessionOptOut("priv-1", true))
    expect(put).toEqual({ sessionId: "priv-1", transcriptPersistenceOptOut: true })
    const first = await say("priv-1", "priv-1-a", "secret one")
    await say("priv-1", "priv-1-b", "secret two")
    expect(first).toMatchObject({
      messageId: "priv-1-a",
      sessionId: "priv-1",
      persisted: false,
      duplicate: false,
      skippedReason: "session_opt_out"
    })
    expect(await stored("priv-1")).toEqual([])
    expect(await service.call(sessionMessages("priv-1"))).toMatchObject({ items: [] })
    const chat = await context("priv-1", "chat")
    expect(chat).toMatchObject({ source: "memory", reason: "not_persisted" })
    expect(chat.messages.map((m) => m.text)).toEqual(["secret one", "secret two"])
    const again = await say("priv-1", "priv-1-a", "secret one")
    expect(again).toMatchObject({ duplicate: true, persisted: false, skippedReason: "session_opt_out" })
    const conflict = await service.failure(
      ingestMessage({ sessionId: "priv-1", messageId: "priv-1-a", role: "user", text: "another secret" })
    )
    expect(conflict).toBeInstanceOf(Conflict)
  })

  it("a user's opt-out covers their sessions unless a session overrides it", async () => {
    const bob = { "x-user-id": "bob" }
    await service.call(setUserOptOut(true), { headers: bob })
    const skipped = await say("priv-2", "priv-2-a", "private", {}, bob)
    expect(skipped).toMatchObject({ persisted: false, skippedReason: "user_opt_out" })
    await service.call(setSessionOptOut("priv-3", false), { headers: bob })
    const kept = await say("priv-3", "priv-3-a", "keep this", {}, bob)
    expect(kept).toMatchObject({ persisted: true })
    expect(await stored("priv-2")).toEqual([])
    expect((await stored("priv-3")).map((i) => i.text)).toEqual(["keep this"])

    // What each session follows for bob, and why; another user finds no such session.
    const privacy = (sessionId: string, headers: Record<string, string> = bob) =>
      service.call((client) => client.sessions.getSessionPrivacy(sessionPath(sessionId)), { headers })
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
    expect(
      await service.failure((client) => client.sessions.getSessionPrivacy(sessionPath("priv-2")), {
        headers: { "x-user-id": "carol" }
      })
    ).toMatchObject({ error: { code: "session_not_found" } })
  })
})

describe("DELETE /sessions/:sessionId", () => {
  it("removes the transcript from the store and from memory", async () => {
    await say("del-1", "del-1-a", "one")
    await say("del-1", "del-1-b", "two")
    const reply = await service.call(deleteSession("del-1"))
    expect(reply).toEqual({ sessionId: "del-1", deleted: 2 })
    expect(await stored("del-1")).toEqual([])
    expect((await context("del-1", "chat")).messages).toEqual([])
  })
})

describe("GET /sessions/:sessionId/messages", () => {
  it("pages in both orders with opaque cursors", async () => {
    for (let i = 0; i < 5; i++) await say("page-1", `page-1-${i}`, `m${i}`, { ts: 100 + i })
    const first = await service.call(sessionMessages("page-1", { limit: 2 }))
    expect(first.items.map((i) => i.text)).toEqual(["m0", "m1"])
    const second = await service.call(sessionMessages("page-1", { limit: 2, cursor: first.nextCursor! }))
    expect(second.items.map((i) => i.text)).toEqual(["m2", "m3"])
    const desc = await service.call(sessionMessages("page-1", { order: "desc", limit: 10 }))
    expect(desc).toMatchObject({ order: "desc", nextCursor: null })
    expect(desc.items.map((i) => i.text)).toEqual(["m4", "m3", "m2", "m1", "m0"])
  })
})
