import { afterAll, beforeAll, expect, it } from "vitest"
import { ServerShutdown } from "../../adapters/http/shutdown.ts"
import { Effect } from "effect"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores })
})
afterAll(() => service.close())

it("once shutdown has begun, readiness is false and new requests are refused with 503 shutting_down, probes and scrapes still answered, every response closing its connection", async () => {
  expect((await service.request("GET", "/readyz")).status).toBe(200)
  await service.run(Effect.flatMap(ServerShutdown, (shutdown) => shutdown.drain))

  const ready = await service.request("GET", "/readyz")
  expect(ready.status).toBe(503)
  expect(ready.body).toMatchObject({ error: { code: "shutting_down" } })
  const refused = await service.request("GET", "/sessions/drained/messages")
  expect(refused.status).toBe(503)
  expect(refused.body).toMatchObject({ error: { code: "shutting_down" } })
  expect(refused.headers.get("retry-after")).toBe("1")
  expect(refused.headers.get("connection")).toBe("close")
  const live = await service.request("GET", "/healthz")
  expect(live.status).toBe(200)
  expect(live.headers.get("connection")).toBe("close")
  expect((await service.request("GET", "/metrics")).status).toBe(200)
})
