import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { deleteSession, ingestMessage, sessionPath, userMessageClassified } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse } from "../support/sse-client.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
})
afterAll(() => service.close())

const say = (sessionId: string, messageId: string, text: string) =>
  service.call(userMessageClassified({ sessionId, messageId, text }))
const groups = async (sessionId: string) =>
  (await service.call((client) => client.sessions.groups(sessionPath(sessionId)))).groups

describe("classification on ingest", () => {
  it("a role play opens a group, carries it, and closes it due for assessment", async () => {
    const start = await say("rp-1", "rp-1-a", "Can we role play a salary negotiation? You be my manager.")
    expect(start).toMatchObject({ decision: "start", applied: "start" })
    const group = start.groupId
    expect(group).not.toBeNull()
    await service.call(
      ingestMessage({ sessionId: "rp-1", messageId: "rp-1-b", role: "assistant", text: "Sure, go ahead." })
    )
    const middle = await say("rp-1", "rp-1-c", "I have delivered three projects early this year.")
    expect(middle).toMatchObject({ decision: "continue", groupId: group })
    const end = await say("rp-1", "rp-1-d", "Okay, let's stop the role play here. How did I do?")
    expect(end).toMatchObject({ decision: "end", groupId: group })
    expect(await groups("rp-1")).toEqual([
      expect.objectContaining({
        groupId: group,
        status: "closed",
        closeReason: "ended",
        messages: 3,
        assessmentRequested: true
      })
    ])
  })

  it("chatter joins no group and requests nothing", async () => {
    const hello = await say("chat-1", "chat-1-a", "Hi coach!")
    expect(hello).toMatchObject({ decision: "ignore", groupId: null })
    expect(await groups("chat-1")).toEqual([])
  })

  it("a one-off feedback request is a closed group of its own, due for assessment", async () => {
    const ask = await say(
      "one-1",
      "one-1-a",
      'Can I get feedback on this opener: "I wanted to talk about my role"?'
    )
    expect(ask).toMatchObject({ decision: "one_off", applied: "one_off" })
    expect(await groups("one-1")).toEqual([
      expect.objectContaining({ status: "closed", messages: 1, assessmentRequested: true })
    ])
  })

  it("a repeated messageId gets the stored classification and changes nothing", async () => {
    const first = await say("rep-1", "rep-1-a", "Let's practise a difficult conversation with my landlord.")
    const again = await say("rep-1", "rep-1-a", "Let's practise a difficult conversation with my landlord.")
    expect(again).toEqual(first)
    expect(await groups("rep-1")).toHaveLength(1)
  })

  it("classifies the user turn of a chat in the background", async () => {
    await readSse(
      await fetch(
        `${service.url}/chat/stream?prompt=${encodeURIComponent("Let's role play my job interview.")}`,
        {
          headers: { "x-session-id": "chat-rp" }
        }
      )
    )
    // Bounded as before, by 2 s.
    await vi.waitFor(
      async () =>
        expect(await groups("chat-rp")).toEqual([expect.objectContaining({ status: "open", messages: 1 })]),
      { timeout: 2_000, interval: 20 }
    )
  })

  it("deleting a session forgets its interactions", async () => {
    await say("del-rp", "del-rp-a", "Can we practise asking for a raise?")
    await service.call(deleteSession("del-rp"))
    expect(await groups("del-rp")).toEqual([])
  })
})
