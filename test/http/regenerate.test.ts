import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import * as Scripted from "../support/scripted-chat-model.ts"
import { ScriptedChatModel } from "../support/scripted-chat-model.ts"
import { errorEnvelope, sessionMessages, setSessionOptOut } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse, textOf } from "../support/sse-client.ts"

let service: TestService<TranscriptStore | ScriptedChatModel>
beforeAll(async () => {
  service = await startService({ stores: memoryStores, chatModel: Scripted.layer })
})
afterAll(() => service.close())

const say = (...deltas: Array<string>) =>
  service.run(Effect.flatMap(ScriptedChatModel, (model) => model.setScript({ deltas })))
/** The messages each model call was sent, oldest call first. */
const requests = () =>
  service.run(
    Effect.map(
      Effect.flatMap(ScriptedChatModel, (model) => model.calls),
      (calls) => calls.map((call) => call.request.messages.map((message) => message.text))
    )
  )
const chat = async (sessionId: string, body: Record<string, unknown>) =>
  fetch(`${service.url}/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, ...body })
  })
/** The session's stored replies once none is in progress any more. */
const settledReplies = (sessionId: string) =>
  vi.waitFor(
    async () => {
      const items = await service.run(
        Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make(sessionId), 50))
      )
      const replies = items.filter((item) => item.role === "assistant")
      expect(replies.every((reply) => reply.status === "completed")).toBe(true)
      return replies.map((reply) => ({ id: reply.messageId, text: reply.text, replaced: reply.replaced }))
    },
    { timeout: 5_000, interval: 20 }
  )

describe("regenerating the last reply (POST /chat/stream with replaces)", () => {
  it("keeps the earlier reply, marked replaced, and leaves it out of this turn's context and the next", async () => {
    await say("First ", "answer.")
    await readSse(await chat("regen", { prompt: "Help me open the talk", messageId: "regen-u1" }))
    const [first] = await settledReplies("regen")

    await say("Second ", "answer.")
    const before = (await requests()).length
    const again = await readSse(
      await chat("regen", { prompt: "Help me open the talk", messageId: "regen-u1", replaces: first!.id })
    )
    expect(again.status).toBe(200)
    expect(textOf(again.events)).toBe("Second answer.")
    expect((await requests())[before]).toEqual(["Help me open the talk"])
    const replies = await settledReplies("regen")
    expect(replies).toEqual([
      { id: first!.id, text: "First answer.", replaced: true },
      { id: expect.any(String), text: "Second answer.", replaced: undefined }
    ])
    const page = await service.call(sessionMessages("regen"))
    expect(page.items.map((item) => [item.role, item.text, item.replaced])).toEqual([
      ["user", "Help me open the talk", undefined],
      ["assistant", "First answer.", true],
      ["assistant", "Second answer.", undefined]
    ])

    await say("Third.")
    await readSse(await chat("regen", { prompt: "And then?", messageId: "regen-u2" }))
    expect((await requests()).at(-1)).toEqual(["Help me open the talk", "Second answer.", "And then?"])
  })

  it("sets aside a reply held only in memory, for a session whose transcript is not kept", async () => {
    await service.call(setSessionOptOut("regen-private", true))
    await say("Kept in memory.")
    const first = await readSse(await chat("regen-private", { prompt: "Hello", messageId: "private-u1" }))
    const start = first.events.find((event) => (event as { type?: string }).type === "start")
    const replyId = (start as { messageId: string }).messageId
    await say("Another go.")
    const before = (await requests()).length
    // Once the first reply is finished in memory, it can be replaced.
    await vi.waitFor(
      async () => {
        const response = await chat("regen-private", {
          prompt: "Hello",
          messageId: "private-u1",
          replaces: replyId
        })
        expect(response.status).toBe(200)
        await readSse(response)
      },
      { timeout: 5_000, interval: 50 }
    )
    expect((await requests())[before]).toEqual(["Hello"])
    await say("Onwards.")
    await readSse(await chat("regen-private", { prompt: "Next", messageId: "private-u2" }))
    expect((await requests()).at(-1)).toEqual(["Hello", "Another go.", "Next"])
    expect(await settledReplies("regen-private")).toEqual([])
  })

  it("answers 404 reply_not_found, before any model call, for an id that is no finished reply of the session", async () => {
    await say("Only once.")
    await readSse(await chat("regen-404", { prompt: "Hi", messageId: "404-u1" }))
    await settledReplies("regen-404")
    const before = (await requests()).length
    for (const replaces of ["404-u1", "no-such-reply"]) {
      const response = await chat("regen-404", { prompt: "Hi", messageId: "404-u1", replaces })
      expect(response.status).toBe(404)
      const { error } = errorEnvelope({ status: 404, body: await response.json() })
      expect(error.code).toBe("reply_not_found")
    }
    expect((await requests()).length).toBe(before)
  })
})
