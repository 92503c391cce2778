import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse } from "../support/sse-client.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
})
afterAll(() => service.close())

interface Classified {
  readonly classification: { decision: string; applied: string; confidence: number; groupId: string | null }
}
const say = async (sessionId: string, messageId: string, text: string, role = "user") =>
  (await service.request("POST", "/messages/ingest", { body: { sessionId, messageId, role, text } }))
    .body as Classified
const groups = async (sessionId: string) =>
  (
    (await service.request("GET", `/sessions/${sessionId}/groups`)).body as {
      groups: Array<Record<string, unknown>>
    }
  ).groups

describe("classification on ingest", () => {
  it("a role play opens a group, carries it, and closes it due for assessment", async () => {
    const start = await say("rp-1", "rp-1-a", "Can we role play a salary negotiation? You be my manager.")
    expect(start.classification).toMatchObject({ decision: "start", applied: "start" })
    const group = start.classification.groupId
    expect(group).not.toBeNull()
    await say("rp-1", "rp-1-b", "Sure, go ahead.", "assistant")
    const middle = await say("rp-1", "rp-1-c", "I have delivered three projects early this year.")
    expect(middle.classification).toMatchObject({ decision: "continue", groupId: group })
    const end = await say("rp-1", "rp-1-d", "Okay, let's stop the role play here. How did I do?")
    expect(end.classification).toMatchObject({ decision: "end", groupId: group })
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
    expect(hello.classification).toMatchObject({ decision: "ignore", groupId: null })
    expect(await groups("chat-1")).toEqual([])
  })

  it("a one-off feedback request is a closed group of its own, due for assessment", async () => {
    const ask = await say(
      "one-1",
      "one-1-a",
      'Can I get feedback on this opener: "I wanted to talk about my role"?'
    )
    expect(ask.classification).toMatchObject({ decision: "one_off", applied: "one_off" })
    expect(await groups("one-1")).toEqual([
      expect.objectContaining({ status: "closed", messages: 1, assessmentRequested: true })
    ])
  })

  it("a repeated messageId gets the stored classification and changes nothing", async () => {
    const first = await say("rep-1", "rep-1-a", "Let's practise a difficult conversation with my landlord.")
    const again = await say("rep-1", "rep-1-a", "Let's practise a difficult conversation with my landlord.")
    expect(again.classification).toEqual(first.classification)
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
    for (let i = 0; i < 100 && (await groups("chat-rp")).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20))
    expect(await groups("chat-rp")).toEqual([expect.objectContaining({ status: "open", messages: 1 })])
  })

  it("deleting a session forgets its interactions", async () => {
    await say("del-rp", "del-rp-a", "Can we practise asking for a raise?")
    await service.request("DELETE", "/sessions/del-rp")
    expect(await groups("del-rp")).toEqual([])
  })
})
