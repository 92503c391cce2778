import { Effect } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults } from "../support/faulty-stores.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<StoreFaults>
beforeAll(async () => {
  // A store deadline far past the handler's: only the handler deadline can answer.
  service = await startService({
    stores: FaultyStores.layer,
    env: { STORE_TIMEOUT_MS: "60000", HANDLER_TIMEOUT_MS: "300" }
  })
})
afterAll(() => service.close())

it("a handler with no response by HANDLER_TIMEOUT_MS is answered 503 deadline_exceeded", async () => {
  // The session is the caller's: its reads pass the owner check and reach the hanging store.
  const written = await service.request("POST", "/messages/ingest", {
    body: { sessionId: "deadline-1", messageId: "deadline-1-m1", role: "user", text: "Hello coach" }
  })
  expect(written.status).toBe(200)
  await service.run(Effect.flatMap(StoreFaults, (faults) => faults.set("hang")))
  const started = Date.now()
  const reply = await service.request("GET", "/sessions/deadline-1/messages")
  expect(reply.status).toBe(503)
  expect(reply.body).toMatchObject({
    error: { code: "deadline_exceeded", requestId: reply.headers.get("x-request-id") }
  })
  expect(Date.now() - started).toBeLessThan(2000)
  await service.run(Effect.flatMap(StoreFaults, (faults) => faults.set("up")))
  expect((await service.request("GET", "/sessions/deadline-1/messages")).status).toBe(200)
})
