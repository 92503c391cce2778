import { Effect } from "effect"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults } from "../support/faulty-stores.ts"
import { parseSamples, total, valueOf } from "../support/prometheus-text.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<StoreFaults>
beforeAll(async () => {
  // Reads of a hanging store hold their request in flight until the handler deadline.
  service = await startService({
    stores: FaultyStores.layer,
    env: {
      MAX_REQUESTS_IN_FLIGHT: "2",
      STORE_TIMEOUT_MS: "60000",
      HANDLER_TIMEOUT_MS: "3000",
      OFFLINE_TOKEN_DELAY_MS: "200"
    }
  })
})
afterAll(() => service.close())

const faults = (mode: "up" | "hang") => service.run(Effect.flatMap(StoreFaults, (store) => store.set(mode)))
const metrics = async () => parseSamples((await service.request("GET", "/metrics")).text)
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 })

it("answers 503 overloaded with Retry-After past MAX_REQUESTS_IN_FLIGHT, and serves operators all along", async () => {
  const written = await service.request("POST", "/messages/ingest", {
    body: { sessionId: "busy", messageId: "busy-1", role: "user", text: "Hello coach" }
  })
  expect(written.status).toBe(200)
  await faults("hang")
  const held = [
    service.request("GET", "/sessions/busy/messages"),
    service.request("GET", "/sessions/busy/messages")
  ]
  await eventually(async () => expect(valueOf(await metrics(), "coachup_http_requests_in_flight")).toBe(2))

  const refused = await service.request("GET", "/sessions/busy/messages")
  expect(refused.status).toBe(503)
  expect(refused.headers.get("retry-after")).toBe("1")
  expect(refused.body).toMatchObject({
    error: { code: "overloaded", requestId: refused.headers.get("x-request-id") }
  })
  expect((await service.request("GET", "/healthz")).status).toBe(200)
  expect(
    total(await metrics(), "coachup_http_overload_refusals_total", { reason: "requests_in_flight" })
  ).toBe(1)

  await faults("up")
  expect((await Promise.all(held)).map((reply) => reply.status)).toEqual([503, 503])
  await eventually(async () => expect(valueOf(await metrics(), "coachup_http_requests_in_flight")).toBe(0))
  expect((await service.request("GET", "/sessions/busy/messages")).status).toBe(200)
})

it("counts an open chat stream under the stream caps, not in flight", async () => {
  const streams = await Promise.all(
    ["a", "b", "c"].map((session) =>
      fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent("Tell me a long story")}`, {
        headers: { "x-session-id": `stream-${session}`, "x-user-id": `streamer-${session}` }
      })
    )
  )
  expect(streams.map((response) => response.status)).toEqual([200, 200, 200])
  expect(valueOf(await metrics(), "coachup_http_requests_in_flight")).toBe(0)
  expect((await service.request("GET", "/settings/privacy")).status).toBe(200)
  await Promise.all(streams.map((response) => response.body?.cancel()))
})
