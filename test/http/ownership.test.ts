import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: { OFFLINE_TOKEN_DELAY_MS: "0", ASSESSMENT_POLL_MS: "20" }
  })
})
afterAll(() => service.close())

const as = (userId: string, method: string, path: string, body?: unknown) =>
  service.request(method, path, { headers: { "x-user-id": userId }, ...(body === undefined ? {} : { body }) })
const ingest = (userId: string, sessionId: string, messageId: string, text: string) =>
  as(userId, "POST", "/messages/ingest", { sessionId, messageId, role: "user", text })

/** Everything user A can read of a session, through A's own reads. */
const readAll = async (userId: string, sessionId: string) => {
  const reads = ["messages", "context?for=chat", "groups", "assessments", "privacy"].map((part) =>
    as(userId, "GET", `/sessions/${sessionId}/${part}`)
  )
  return (await Promise.all(reads)).map((reply) => [reply.status, reply.body])
}

const expectSessionNotFound = (reply: { status: number; body: unknown }) => {
  expect(reply.status).toBe(404)
  expect(reply.body).toMatchObject({ error: { code: "session_not_found" } })
}

describe("a session belongs to the user who first wrote to it", () => {
  it("answers another user 404 session_not_found on every session-scoped endpoint, and changes nothing", async () => {
    expect((await ingest("user-a", "a-s1", "m1", "Let's role-play a salary negotiation")).status).toBe(200)
    expect((await ingest("user-a", "a-s1", "m2", "How did I do?")).status).toBe(200)
    const groups = (await as("user-a", "GET", "/sessions/a-s1/groups")).body as {
      groups: ReadonlyArray<{ groupId: string }>
    }
    const groupId = groups.groups[0]!.groupId
    await vi.waitFor(
      async () =>
        expect((await as("user-a", "GET", `/groups/${groupId}/assessment`)).body).toMatchObject({
          status: "completed"
        }),
      { timeout: 8_000, interval: 50 }
    )
    const before = await readAll("user-a", "a-s1")
    expect(before.map(([status]) => status)).toEqual([200, 200, 200, 200, 200])

    const attempts = [
      as("user-b", "GET", "/sessions/a-s1/messages"),
      as("user-b", "GET", "/sessions/a-s1/context?for=chat"),
      as("user-b", "GET", "/sessions/a-s1/groups"),
      as("user-b", "GET", "/sessions/a-s1/assessments"),
      as("user-b", "GET", "/sessions/a-s1/privacy"),
      as("user-b", "PUT", "/sessions/a-s1/privacy", { transcriptPersistenceOptOut: true }),
      as("user-b", "DELETE", "/sessions/a-s1"),
      ingest("user-b", "a-s1", "m3", "Let me in"),
      ingest("user-b", "a-s1", "m1", "Let's role-play a salary negotiation"),
      as("user-b", "POST", "/chat/stream", { sessionId: "a-s1", prompt: "Hello?" }),
      as("user-b", "GET", "/chat/a-s1/stream"),
      as("user-b", "DELETE", "/chat/a-s1/stream")
    ]
    for (const reply of await Promise.all(attempts)) expectSessionNotFound(reply)
    const assessment = await as("user-b", "GET", `/groups/${groupId}/assessment`)
    expect(assessment.status).toBe(404)
    expect(assessment.body).toMatchObject({ error: { code: "assessment_not_found" } })

    expect(await readAll("user-a", "a-s1")).toEqual(before)
  })

  it("answers a never-written session as it answers another user's, and the first write claims it", async () => {
    for (const part of ["messages", "context?for=chat", "groups", "assessments", "privacy"])
      expectSessionNotFound(await as("user-b", "GET", `/sessions/b-new/${part}`))
    expectSessionNotFound(await as("user-b", "DELETE", "/sessions/b-new"))
    expect(
      (await as("user-b", "PUT", "/sessions/b-new/privacy", { transcriptPersistenceOptOut: true })).status
    ).toBe(200)
    expect((await as("user-b", "GET", "/sessions/b-new/privacy")).body).toMatchObject({
      transcriptPersistenceOptOut: true
    })
    expectSessionNotFound(await ingest("user-a", "b-new", "m1", "Mine now?"))
  })

  it("keeps a deleted session its owner's: nobody else can take over its id", async () => {
    expect((await ingest("user-a", "a-gone", "m1", "Hello")).status).toBe(200)
    expect((await as("user-a", "DELETE", "/sessions/a-gone")).status).toBe(200)
    expectSessionNotFound(await ingest("user-b", "a-gone", "m1", "Hello"))
    expect((await ingest("user-a", "a-gone", "m2", "Hello again")).status).toBe(200)
  })
})
