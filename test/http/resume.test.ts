import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { sessionMessages } from "../support/api-client.ts"
import { expectFollowedToTheEnd, followReply, openTurn } from "../support/followed-turn.ts"
import { startService, type TestService } from "../support/service.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { readSse, textOf } from "../support/sse-client.ts"

let service: TestService
beforeAll(async () => {
  // A word every 40 ms: the offline coach's reply takes a few seconds, time to follow it.
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "40" } })
})
afterAll(() => service.close())

const storedReply = async (sessionId: string, messageId: string) => {
  const page = await service.call(sessionMessages(sessionId))
  return page.items.find((item) => item.messageId === messageId)
}

describe("GET /chat/:sessionId/stream", () => {
  it("follows a reply streamed by the same process to its end, showing what the store ends with", async () => {
    const turn = await openTurn(service.url, "resume-1", "Help me say no to extra work.")
    const followed = await readSse(await followReply(service.url, "resume-1"))
    expect(followed.status).toBe(200)
    expect(followed.headers.get("content-type")).toContain("text/event-stream")
    expect(followed.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1")
    expectFollowedToTheEnd(followed.events, turn.messageId)
    const streamed = await turn.rest
    expect(textOf(followed.events)).toBe(streamed)
    expect(await storedReply("resume-1", turn.messageId)).toMatchObject({
      text: streamed,
      status: "completed"
    })
  })

  it("answers 204 once no reply of the session is in flight", async () => {
    const turn = await openTurn(service.url, "resume-2", "Hello")
    await turn.rest
    const reply = await service.request("GET", "/chat/resume-2/stream")
    expect(reply.status).toBe(204)
    expect(reply.text).toBe("")
  })

  it("answers another user's session, and one nobody has written to, with 404", async () => {
    const turn = await openTurn(service.url, "resume-3", "Hello")
    const someoneElse = await service.request("GET", "/chat/resume-3/stream", {
      headers: { "x-user-id": "mallory" }
    })
    expect(someoneElse.status).toBe(404)
    expect(someoneElse.body).toMatchObject({ error: { code: "session_not_found" } })
    expect((await service.request("GET", "/chat/never-written/stream")).status).toBe(404)
    await turn.rest
  })

  it("stops following when its client goes away, and the reply goes on to its end", async () => {
    const openStreams = async () =>
      total(parseSamples((await service.request("GET", "/metrics")).text), "coachup_sse_open_streams")
    const turn = await openTurn(service.url, "resume-4", "Help me say no to extra work.")
    const controller = new AbortController()
    const follower = await followReply(service.url, "resume-4", {}, controller.signal)
    await follower.body!.getReader().read()
    expect(await openStreams()).toBe(2)
    controller.abort()
    await expect.poll(openStreams).toBe(1)
    const streamed = await turn.rest
    expect(await storedReply("resume-4", turn.messageId)).toMatchObject({
      text: streamed,
      status: "completed"
    })
  })

  it("is documented as an event stream, or 204", async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>
    }
    const responses = document.paths["/chat/{sessionId}/stream"]?.get?.responses
    expect(Object.keys(responses?.["200"]?.content ?? {})).toEqual(["text/event-stream"])
    expect(responses?.["204"]).toBeDefined()
    expect(responses?.["404"]).toBeDefined()
  })
})
