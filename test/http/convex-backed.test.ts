/// <reference types="vite/client" />
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { convexTest } from "convex-test"
import { Layer, Redacted } from "effect"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { ConvexBackend, type ConvexCaller } from "../../adapters/convex/backend.ts"
import schema from "../../adapters/convex/functions/schema.ts"
import { convexStoresOn } from "../../bootstrap/layers.ts"
import { deleteSession, ingestMessage, sessionContext, setSessionOptOut } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse, textOf } from "../support/sse-client.ts"

const SECRET = "http-convex-secret"
const modules = import.meta.glob("../../adapters/convex/functions/**/!(*.*.*)*.*s")

/** The service's Convex deployment composition, on convex-test's in-process backend. */
const stores = convexStoresOn.pipe(
  Layer.provide(
    Layer.sync(ConvexBackend, () => ({
      caller: convexTest(schema, modules) as unknown as ConvexCaller,
      secret: Redacted.make(SECRET)
    }))
  )
)

let service: TestService
beforeAll(async () => {
  vi.stubEnv("CONVEX_SERVER_SECRET", SECRET)
  service = await startService({
    stores,
    env: { OFFLINE_TOKEN_DELAY_MS: "0", DATA_DIR: mkdtempSync(join(tmpdir(), "coachup-convex-")) }
  })
})
afterAll(async () => {
  await service.close()
  vi.unstubAllEnvs()
})

it("runs the whole API on the Convex functions: ingest, chat, context, privacy, delete", async () => {
  const ingest = await service.call(
    ingestMessage({ sessionId: "cvx", messageId: "cvx-1", role: "user", text: "Practise with me?" })
  )
  expect(ingest).toMatchObject({ persisted: true, duplicate: false })
  const chat = await readSse(
    await fetch(`${service.url}/chat/stream?prompt=Yes%20please`, { headers: { "x-session-id": "cvx" } })
  )
  expect(textOf(chat.events)).toContain("I received 2 messages of context")
  const context = await service.call(sessionContext("cvx", "chat"))
  expect(context).toMatchObject({
    source: "store",
    messages: [{ seq: 1 }, { seq: 2 }, { seq: 3, role: "assistant", status: "completed" }]
  })
  await service.call(setSessionOptOut("cvx-private", true))
  const skipped = await service.call(
    ingestMessage({ sessionId: "cvx-private", messageId: "cvx-p1", role: "user", text: "secret" })
  )
  expect(skipped).toMatchObject({ persisted: false, skippedReason: "session_opt_out" })
  expect(await service.call(deleteSession("cvx"))).toEqual({
    sessionId: "cvx",
    deleted: 3
  })
  expect(await service.call((client) => client.operations.readyz())).toEqual({ status: "ready" })
})

it("lists, exports and deletes a user's own data on the Convex functions", async () => {
  const as = { headers: { "x-user-id": "cvx-owner" } }
  for (const [sessionId, text] of [
    ["cvx-own-1", "First session"],
    ["cvx-own-2", "Second session"]
  ] as const)
    await service.call(ingestMessage({ sessionId, messageId: "m1", role: "user", text }), as)
  const first = await service.call((client) => client.me.listSessions({ urlParams: { limit: 1 } }), as)
  expect(first.sessions).toMatchObject([{ sessionId: "cvx-own-2", title: "Second session", messageCount: 1 }])
  const cursor = first.nextCursor!
  expect(
    await service.call((client) => client.me.listSessions({ urlParams: { limit: 1, cursor } }), as)
  ).toMatchObject({
    sessions: [{ sessionId: "cvx-own-1", title: "First session" }],
    nextCursor: null
  })
  const exported = await service.call((client) => client.me.exportData(), as)
  expect(exported.sessions.map((session) => session.messages.map((message) => message.text))).toEqual([
    ["Second session"],
    ["First session"]
  ])
  expect(await service.call((client) => client.me.deleteData(), as)).toMatchObject({
    userId: "cvx-owner",
    sessions: 2,
    messages: 2
  })
  expect((await service.call((client) => client.me.listSessions({ urlParams: {} }), as)).sessions).toEqual([])
})
