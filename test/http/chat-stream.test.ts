import {
  parseJsonEventStream,
  readUIMessageStream,
  type UIMessage,
  type UIMessageChunk,
  uiMessageChunkSchema
} from "ai"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest"
import { InteractionStore } from "../../application/ports/interaction-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import * as Scripted from "../support/scripted-chat-model.ts"
import { type Script, ScriptedChatModel } from "../support/scripted-chat-model.ts"
import {
  deleteSession,
  ingestMessage,
  setSessionOptOut,
  userMessageClassified
} from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"
import { partTypes, readSse, textOf } from "../support/sse-client.ts"

let service: TestService<TranscriptStore | ScriptedChatModel>
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    chatModel: Scripted.layer,
    env: {
      CHAT_CONTEXT_LIMIT: "5",
      CHAT_SYSTEM_PROMPT: "You are the recorded coach.",
      CHAT_IDLE_TIMEOUT_MS: "300",
      RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "1000"
    }
  })
})
afterAll(() => service.close())

const script = (next: Script) =>
  service.run(Effect.flatMap(ScriptedChatModel, (model) => model.setScript(next)))
beforeEach(() => script({ deltas: ["Hello ", "there."] }))
const calls = () => service.run(Effect.flatMap(ScriptedChatModel, (model) => model.calls))
const stored = (sessionId: string) =>
  service.run(Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make(sessionId), 200)))
const chat = (sessionId: string, prompt: string, init: RequestInit = {}) =>
  fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent(prompt)}`, {
    ...init,
    headers: { "x-session-id": sessionId, ...(init.headers as Record<string, string>) }
  })
/** Polls until `check` passes, as before within 5 s. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 })
/** Reads the response until the text-delta `delta` has arrived; answers the reader, to read on. */
const readPast = async (response: Response, delta: string) => {
  const reader = response.body!.getReader()
  let received = ""
  while (!received.includes(`"delta":"${delta}"`))
    received += new TextDecoder().decode((await reader.read()).value)
  return reader
}
const lastStored = async (sessionId: string) => (await stored(sessionId)).at(-1)

describe("chat context", () => {
  it("sends the model CHAT_SYSTEM_PROMPT and the last CHAT_CONTEXT_LIMIT messages by (ts, seq), across groups", async () => {
    for (let i = 1; i <= 30; i++) {
      const ts = i === 29 ? 1 : 1_000 + i // message 29 arrives late with an early timestamp
      await service.call(
        ingestMessage({
          sessionId: "ctx-chat",
          messageId: `cc-${i}`,
          role: i % 2 ? "user" : "assistant",
          text: `m${i}`,
          ts,
          groupId: `g${i % 3}`
        })
      )
    }
    const before = (await calls()).length
    const read = await readSse(await chat("ctx-chat", "latest question"))
    expect(read.status).toBe(200)
    const request = (await calls())[before]!.request
    expect(request.systemPrompt).toBe("You are the recorded coach.")
    expect(request.messages.map((m) => m.text)).toEqual(["m26", "m27", "m28", "m30", "latest question"])
    expect(request.messages.at(-1)).toEqual({ role: "user", text: "latest question" })
    expect(request.providerMayStore).toBe(true)
  })
})

describe("the wire format", () => {
  it("is the AI SDK UI message stream: readUIMessageStream assembles the reply", async () => {
    await script({ deltas: ["You ", "asked ", "well."] })
    const response = await fetch(`${service.url}/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "wire-1" },
      body: JSON.stringify({ sessionId: "wire", prompt: "How did I do?", messageId: "wire-u1" })
    })
    expect(response.headers.get("content-type")).toContain("text/event-stream")
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1")
    expect(response.headers.get("cache-control")).toContain("no-cache")
    expect(response.headers.get("x-accel-buffering")).toBe("no")
    const chunks = parseJsonEventStream({ stream: response.body!, schema: uiMessageChunkSchema }).pipeThrough(
      new TransformStream<{ success: boolean; value?: UIMessageChunk; error?: unknown }, UIMessageChunk>({
        transform(result, controller) {
          if (!result.success) throw result.error
          controller.enqueue(result.value!)
        }
      })
    )
    let message: UIMessage | undefined
    for await (const partial of readUIMessageStream({ stream: chunks })) message = partial
    expect(message?.role).toBe("assistant")
    expect(message?.parts).toEqual([{ type: "text", text: "You asked well.", state: "done" }])
    expect(message?.metadata).toMatchObject({
      requestId: "wire-1",
      userMessageId: "wire-u1",
      contextMessages: 1
    })
    const items = await stored("wire")
    expect(items.map((i) => [i.messageId, i.role, i.text, i.status])).toEqual([
      ["wire-u1", "user", "How did I do?", undefined],
      [message!.id, "assistant", "You asked well.", "completed"]
    ])
  })

  it("is plain SSE too: start, text parts, finish, [DONE]", async () => {
    const read = await readSse(await chat("wire-2", "hi"))
    expect(partTypes(read.events)).toEqual([
      "start",
      "text-start",
      "text-delta",
      "text-delta",
      "text-end",
      "finish",
      "[DONE]"
    ])
    expect(textOf(read.events)).toBe("Hello there.")
    expect(read.events[5]).toMatchObject({
      finishReason: "stop",
      messageMetadata: { usage: { inputTokens: 7, outputTokens: 3 } }
    })
  })

  it("stores the reply after its prompt, even within the same millisecond", async () => {
    for (let i = 0; i < 5; i++) await readSse(await chat("order", `prompt ${i}`))
    const roles = (await stored("order")).map((item) => item.role)
    expect(roles).toEqual(Array.from({ length: 5 }, () => ["user", "assistant"]).flat())
  })

  it("a later client post of the streamed reply is a duplicate, not a second row", async () => {
    const read = await readSse(await chat("wire-3", "hi"))
    const messageId = (read.events[0] as { messageId: string }).messageId
    const post = await service.call(
      ingestMessage({ sessionId: "wire-3", messageId, role: "assistant", text: "Hello there." })
    )
    expect(post).toMatchObject({ duplicate: true, persisted: true })
    expect(await stored("wire-3")).toHaveLength(2)
  })
})

describe("failures and disconnects", () => {
  it("a client that goes away leaves the reply running to its end, stored as the model finished it", async () => {
    await script({ deltas: ["One ", "two ", "three ", "four ", "five "], delayMs: 60 })
    const controller = new AbortController()
    const response = await chat("gone", "tell me a story", { signal: controller.signal })
    await readPast(response, "two ")
    controller.abort()
    await eventually(async () => expect((await lastStored("gone"))?.status).toBe("completed"))
    expect(await lastStored("gone")).toMatchObject({ role: "assistant", text: "One two three four five " })
  })

  it("DELETE /chat/:sessionId/stream stops the reply: the model is aborted, the reply incomplete with its partial text", async () => {
    await script({ deltas: ["One ", "two ", "three ", "four ", "five "], delayMs: 60 })
    const before = (await calls()).length
    const response = await chat("stopped", "tell me a story")
    const reader = await readPast(response, "two ")
    const stop = await service.request("DELETE", "/chat/stopped/stream")
    expect(stop.body).toEqual({ sessionId: "stopped", stopped: true })
    while (!(await reader.read()).done) {
      // the stream ends without a finish part
    }
    await eventually(async () => expect((await calls())[before]?.ended._tag).toBe("Some"))
    expect(Option.getOrNull((await calls())[before]!.ended)).toBe("interrupted")
    await eventually(async () => expect((await lastStored("stopped"))?.status).toBe("incomplete"))
    expect(await lastStored("stopped")).toMatchObject({
      role: "assistant",
      text: "One two ",
      status: "incomplete"
    })
    expect((await service.request("DELETE", "/chat/stopped/stream")).body).toEqual({
      sessionId: "stopped",
      stopped: false
    })
  })

  it("a session deleted while its reply streams stays deleted", async () => {
    await script({ deltas: ["One ", "two ", "three ", "four "], delayMs: 40 })
    const response = await chat("deleted-mid", "tell me")
    const reader = await readPast(response, "two ")
    await service.call(deleteSession("deleted-mid"))
    while (!(await reader.read()).done) {
      // drain to the end of the turn: the reply is recorded, or not, before its final part
    }
    expect(await stored("deleted-mid")).toEqual([])
  })

  it("a session deleted before its reply's first word stays deleted: no reply row, no interaction", async () => {
    await script({ deltas: ["Late ", "words."], delayMs: 300 })
    const response = await chat("deleted-early", "Can we role play my salary talk?")
    await service.call(deleteSession("deleted-early"))
    // The reply is recorded, or not, before its final part.
    await readSse(response)
    // A session's messages are classified one at a time, in arrival order: once a later message's
    // classification is answered, the prompt's (started in the background) was committed or dropped.
    const later = await service.call(
      userMessageClassified({ sessionId: "deleted-early", messageId: "deleted-early-later", text: "Thanks." })
    )
    expect(later).toMatchObject({ decision: "ignore", groupId: null })
    expect((await stored("deleted-early")).map((item) => item.messageId)).toEqual(["deleted-early-later"])
    const groups = await service.run(
      Effect.flatMap(InteractionStore, (store) => store.groups(SessionId.make("deleted-early")))
    )
    expect(groups).toEqual([])
  })

  it("a provider error mid-stream becomes an error part, and the reply is incomplete", async () => {
    await script({ deltas: ["Partial "], failWith: "unavailable" })
    const read = await readSse(await chat("failing", "hi"))
    expect(read.status).toBe(200)
    expect(partTypes(read.events)).toEqual([
      "start",
      "text-start",
      "text-delta",
      "text-end",
      "error",
      "[DONE]"
    ])
    expect(read.events[4]).toMatchObject({ errorText: expect.stringContaining("unavailable") })
    await eventually(async () => expect((await lastStored("failing"))?.status).toBe("incomplete"))
    expect(await lastStored("failing")).toMatchObject({ text: "Partial ", status: "incomplete" })
  })

  it("a model stream that ends without finishing is an error part, and the reply is incomplete", async () => {
    await script({ deltas: ["Half "], cutOff: true })
    const read = await readSse(await chat("cut-off", "hi"))
    expect(read.events.at(-2)).toMatchObject({ type: "error" })
    await eventually(async () => expect((await lastStored("cut-off"))?.status).toBe("incomplete"))
    expect(await lastStored("cut-off")).toMatchObject({ text: "Half ", status: "incomplete" })
  })

  it("a model that sends nothing times out as an error part", async () => {
    await script({ deltas: [], silent: true })
    const started = Date.now()
    const read = await readSse(await chat("silent", "hello?"))
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(read.events.at(-2)).toMatchObject({ type: "error", errorText: expect.stringContaining("timeout") })
    await eventually(async () => expect((await lastStored("silent"))?.status).toBe("incomplete"))
  })

  it("requires a session: 400 in the error envelope before any stream", async () => {
    const response = await fetch(`${service.url}/chat/stream?prompt=hi`)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      error: { code: "invalid_request", message: expect.stringContaining("x-session-id") }
    })
  })
})

describe("privacy", () => {
  it("an opted-out session streams from memory, leaves nothing in the store, and tells the provider not to keep it", async () => {
    await service.call(setSessionOptOut("chat-private", true))
    const before = (await calls()).length
    await readSse(await chat("chat-private", "first secret"))
    await readSse(await chat("chat-private", "second secret"))
    const second = (await calls())[before + 1]!.request
    expect(second.providerMayStore).toBe(false)
    expect(second.messages.map((m) => m.text)).toEqual(["first secret", "Hello there.", "second secret"])
    expect(await stored("chat-private")).toEqual([])
  })
})
