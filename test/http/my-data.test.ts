import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { SessionsQuery } from "../../adapters/http/schemas.ts"
import {
  type ApiClient,
  ingestMessage,
  sessionMessages,
  sessionPath,
  setSessionOptOut,
  setUserOptOut
} from "../support/api-client.ts"
import { startEmbeddedService } from "../support/service.ts"

let service: Awaited<ReturnType<typeof startEmbeddedService>>
beforeAll(async () => {
  service = await startEmbeddedService()
})
afterAll(() => service.close())

/** Ahead of the service's clock (within what it accepts), so a message's ts is its session's last activity. */
const LATER = Date.now() + 120_000

const as = (userId: string) => ({ headers: { "x-user-id": userId } })
const say = (userId: string, sessionId: string, messageId: string, text: string, ts: number) =>
  service.call(ingestMessage({ sessionId, messageId, role: "user", text, ts }), as(userId))
const coach = (userId: string, sessionId: string, messageId: string, text: string, ts: number) =>
  service.call(ingestMessage({ sessionId, messageId, role: "assistant", text, ts }), as(userId))
const listSessions = (userId: string, urlParams: typeof SessionsQuery.Type = {}) =>
  service.call((client) => client.me.listSessions({ urlParams }), as(userId))
const exportData = (userId: string) => service.call((client) => client.me.exportData(), as(userId))
const deleteData = (userId: string) => service.call((client) => client.me.deleteData(), as(userId))
const read = <A, E>(userId: string, request: (client: ApiClient) => Effect.Effect<A, E>) =>
  service.call(request, as(userId))

/** Every session id of the user's list, page after page of `limit`. */
const listedIds = async (userId: string, limit: number) => {
  const pages: Array<Array<string>> = []
  let cursor: string | null = null
  do {
    const page = await listSessions(userId, { limit, ...(cursor === null ? {} : { cursor }) })
    pages.push(page.sessions.map((session) => session.sessionId))
    cursor = page.nextCursor
  } while (cursor !== null)
  return pages
}

/** The user's export without the moment it was read, to compare two exports. */
const exported = async (userId: string) => {
  const { exportedAt: _, ...data } = await exportData(userId)
  return data
}

describe("GET /sessions", () => {
  it("lists my sessions newest activity first, page by page, each with its summary", async () => {
    for (const [index, sessionId] of ["l-1", "l-2", "l-3", "l-4", "l-5"].entries())
      await say("lister", sessionId, "m1", `Question number ${index + 1}`, LATER + index * 10)
    await coach("lister", "l-2", "m2", "An answer", LATER + 100)

    expect(await listedIds("lister", 2)).toEqual([["l-2", "l-5"], ["l-4", "l-3"], ["l-1"]])
    expect(await listedIds("lister", 20)).toEqual([["l-2", "l-5", "l-4", "l-3", "l-1"]])

    const [first] = (await listSessions("lister", { limit: 1 })).sessions
    const groups = await read("lister", (client) => client.sessions.groups(sessionPath("l-2")))
    expect(first).toMatchObject({
      sessionId: "l-2",
      title: "Question number 2",
      lastActivityAt: LATER + 100,
      messageCount: 2,
      interactionOpen: groups.groups.some((group) => group.status === "open")
    })
    expect(first!.createdAt).toBeLessThanOrEqual(Date.now())
  })

  it("gives an opted-out session no title and no stored messages, yet counts its messages and activity", async () => {
    await service.call(setSessionOptOut("quiet-1", true), as("quiet"))
    await say("quiet", "quiet-1", "m1", "Not for the record", LATER)
    const { sessions } = await listSessions("quiet")
    expect(sessions).toMatchObject([
      { sessionId: "quiet-1", title: null, messageCount: 1, lastActivityAt: LATER }
    ])
    const { items } = await read("quiet", sessionMessages("quiet-1"))
    expect(items).toEqual([])
  })

  it("refuses a cursor it did not issue and a page size out of range", async () => {
    for (const query of ["cursor=bm9wZQ", "limit=0", "limit=101", "limit=ten"]) {
      const reply = await service.request("GET", `/sessions?${query}`, as("lister"))
      expect(reply.status).toBe(400)
    }
    const reply = await service.request("GET", "/sessions?cursor=bm9wZQ", as("lister"))
    expect(reply.body).toMatchObject({ error: { code: "invalid_cursor" } })
  })
})

describe("GET /me/export and DELETE /me", () => {
  it("export holds all of my data and none of anyone else's", async () => {
    await service.call(setUserOptOut(false), as("exporter"))
    await service.call(setSessionOptOut("e-1", false), as("exporter"))
    await say("exporter", "e-1", "m1", "Let's role-play a salary negotiation", LATER)
    await coach("exporter", "e-1", "m2", "Sure. I'm the manager: what salary are you asking for?", LATER + 1)
    await say("exporter", "e-2", "m1", "A quick one: how long is a pitch?", LATER + 2)
    await say("someone-else", "x-1", "m1", "Private to someone else", LATER + 3)

    const data = await exportData("exporter")
    expect(data.userId).toBe("exporter")
    expect(data.transcriptPersistenceOptOut).toBe(false)
    expect(data.sessions.map((session) => session.sessionId)).toEqual(["e-2", "e-1"])
    for (const session of data.sessions) {
      expect(session.messages).toEqual((await read("exporter", sessionMessages(session.sessionId))).items)
      expect(session.groups).toEqual(
        (await read("exporter", (client) => client.sessions.groups(sessionPath(session.sessionId)))).groups
      )
      expect(session.assessments).toEqual(
        (
          await read("exporter", (client) =>
            client.assessments.sessionAssessments(sessionPath(session.sessionId))
          )
        ).assessments
      )
    }
    expect(data.sessions[1]).toMatchObject({ transcriptPersistenceOptOut: false, messageCount: 2 })
    expect(data.sessions[0]).toMatchObject({ transcriptPersistenceOptOut: null, messageCount: 1 })
    expect(JSON.stringify(data)).not.toContain("someone else")

    const stranger = await exportData("stranger")
    expect(stranger).toMatchObject({ userId: "stranger", transcriptPersistenceOptOut: null, sessions: [] })
    expect((await listSessions("stranger")).sessions).toEqual([])
  })

  it("DELETE /me by another user changes nothing of mine; by me removes all of it, everywhere", async () => {
    const marker = "Zanzibar-negotiation-7731"
    await service.call(setUserOptOut(false), as("leaver"))
    await service.call(setSessionOptOut("d-1", false), as("leaver"))
    await say("leaver", "d-1", "m1", `Let's role-play the ${marker} talk`, LATER)
    await coach("leaver", "d-1", "m2", "Ready when you are.", LATER + 1)
    await say("leaver", "d-1", "m3", "How did I do?", LATER + 2)
    await say("leaver", "d-2", "m1", "A one-off question about pitches", LATER + 3)
    await service.call(setSessionOptOut("d-3", true), as("leaver"))
    await say("leaver", "d-3", "m1", "Kept in server memory only", LATER + 4)
    await say("bystander", "b-1", "m1", "My own session", LATER + 4)

    const before = await exported("leaver")
    const holdsMarker = () =>
      readdirSync(service.dataDir).filter((file) =>
        readFileSync(join(service.dataDir, file)).includes(marker)
      )
    expect(holdsMarker()).not.toEqual([])
    const bystanderDeleted = await deleteData("bystander")
    expect(bystanderDeleted).toMatchObject({ userId: "bystander", sessions: 1, messages: 1 })
    expect(await exported("leaver")).toEqual(before)

    const deleted = await deleteData("leaver")
    const count = (part: "messages" | "groups" | "assessments") =>
      before.sessions.reduce((total, session) => total + session[part].length, 0)
    expect(deleted).toEqual({
      userId: "leaver",
      sessions: 3,
      messages: 4,
      groups: count("groups"),
      assessments: count("assessments"),
      privacySettings: 3
    })
    expect(count("messages")).toBe(4)
    expect(count("groups")).toBeGreaterThan(0)

    expect(await exported("leaver")).toEqual({
      userId: "leaver",
      transcriptPersistenceOptOut: null,
      sessions: []
    })
    for (const sessionId of ["d-1", "d-2", "d-3"]) {
      const reply = await service.request("GET", `/sessions/${sessionId}/messages`, as("leaver"))
      expect(reply.status).toBe(404)
    }
    expect(await deleteData("leaver")).toEqual({
      userId: "leaver",
      sessions: 0,
      messages: 0,
      groups: 0,
      assessments: 0,
      privacySettings: 0
    })
    // Deleted text is left in no database page and no WAL frame.
    expect(holdsMarker()).toEqual([])
    // Nor in the server's memory: the opted-out session, written to again, starts from nothing.
    await service.call(setSessionOptOut("d-3", true), as("leaver"))
    await say("leaver", "d-3", "m9", "Fresh start", LATER + 5)
    const context = await read("leaver", (client) =>
      client.sessions.context({ ...sessionPath("d-3"), urlParams: { for: "chat" } })
    )
    expect(context).toMatchObject({ source: "memory" })
    expect(context.messages.map((message) => message.text)).toEqual(["Fresh start"])
  })
})
