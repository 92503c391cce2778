import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { SessionId } from "../../domain/ids.ts"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults, type StoreMode } from "../support/faulty-stores.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<StoreFaults>
beforeAll(async () => {
  service = await startService({
    stores: FaultyStores.layer,
    env: { STORE_TIMEOUT_MS: "150", PERSIST_RETRY_SECONDS: "1" }
  })
})
afterAll(() => service.close())

const setStore = (mode: StoreMode) => service.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode)))
const inStore = (sessionId: string) =>
  service.run(
    Effect.flatMap(StoreFaults, (faults) => faults.transcripts.lastN(SessionId.make(sessionId), 100))
  )
const say = (messageId: string, text: string) =>
  service.request("POST", "/messages/ingest", {
    body: { sessionId: "outage-1", messageId, role: "user", text }
  })
const backlogGauge = async () => {
  const metrics = (await service.request("GET", "/metrics")).text
  return Number(/^coachup_transcript_persist_backlog(?:\{[^}]*\})? (\d+)/m.exec(metrics)?.[1] ?? "NaN")
}
const eventually = async (check: () => Promise<boolean>, timeoutMs = 8_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error("condition not met in time")
}

describe("a store that fails, hangs, or answers too late", () => {
  it("keeps ingest at 200, serves context from memory, then lands the backlog exactly once", async () => {
    await setStore("down")
    const down = await say("out-1", "first")
    expect(down.status).toBe(200)
    expect(down.body).toEqual({
      messageId: "out-1",
      sessionId: "outage-1",
      persisted: false,
      duplicate: false,
      skippedReason: "store_unavailable"
    })
    expect((await service.request("GET", "/readyz")).status).toBe(503)

    await setStore("hang")
    const started = Date.now()
    const hung = await say("out-2", "second")
    expect(hung.body).toMatchObject({ persisted: false, skippedReason: "store_unavailable" })
    expect(Date.now() - started).toBeLessThan(2_000)

    await setStore("late")
    expect((await say("out-3", "third")).body).toMatchObject({
      persisted: false,
      skippedReason: "store_unavailable"
    })

    await setStore("down")
    const context = await service.request("GET", "/sessions/outage-1/context?for=chat")
    expect(context.body).toMatchObject({ source: "memory", reason: "store_error" })
    expect((context.body as { messages: Array<{ text: string }> }).messages.map((m) => m.text)).toEqual([
      "first",
      "second",
      "third"
    ])
    expect(await backlogGauge()).toBe(3)
    const duringOutage = await service.request("GET", "/sessions/outage-1/messages")
    expect(duringOutage.status).toBe(503)
    expect(duringOutage.body).toMatchObject({ error: { code: "store_unavailable" } })

    await setStore("up")
    await eventually(async () => (await backlogGauge()) === 0)
    const stored = await inStore("outage-1")
    expect(stored.map((item) => item.messageId)).toEqual(["out-1", "out-2", "out-3"])
    expect((await service.request("GET", "/readyz")).body).toEqual({ status: "ready" })

    const repeat = await say("out-1", "first")
    expect(repeat.body).toMatchObject({ persisted: true, duplicate: true })
    expect(await inStore("outage-1")).toHaveLength(3)
  })

  it("serves store-sourced context again once the store is back, falling back when it has nothing", async () => {
    await setStore("up")
    const context = await service.request("GET", "/sessions/outage-1/context?for=classifier")
    expect(context.body).toMatchObject({ source: "store", reason: "store" })
    await service.run(
      Effect.flatMap(StoreFaults, (faults) => faults.transcripts.deleteSession(SessionId.make("outage-1")))
    )
    const empty = await service.request("GET", "/sessions/outage-1/context?for=chat")
    expect(empty.body).toMatchObject({ source: "memory", reason: "store_empty" })
  })
})
