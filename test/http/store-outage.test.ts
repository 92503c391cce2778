import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Option } from "effect"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { GroupId, SessionId } from "../../domain/ids.ts"
import * as FaultyStores from "../support/faulty-stores.ts"
import { type FaultTarget, StoreFaults, type StoreMode } from "../support/faulty-stores.ts"
import { parseSamples, valueOf } from "../support/prometheus-text.ts"
import { readSse, textOf } from "../support/sse-client.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<StoreFaults>
beforeAll(async () => {
  service = await startService({
    stores: FaultyStores.layer,
    env: {
      STORE_TIMEOUT_MS: "150",
      PERSIST_RETRY_SECONDS: "1",
      OFFLINE_TOKEN_DELAY_MS: "0",
      ASSESSMENT_POLL_MS: "20",
      ASSESSMENT_RETRY_BASE_MS: "200"
    }
  })
})
afterAll(() => service.close())

const setStore = (mode: StoreMode, target: FaultTarget = "all") =>
  service.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode, target)))
const inStore = (sessionId: string) =>
  service.run(
    Effect.flatMap(StoreFaults, (faults) => faults.transcripts.lastN(SessionId.make(sessionId), 100))
  )
const say = (messageId: string, text: string, sessionId = "outage-1") =>
  service.request("POST", "/messages/ingest", { body: { sessionId, messageId, role: "user", text } })
const backlogGauge = async () =>
  valueOf(parseSamples((await service.request("GET", "/metrics")).text), "coachup_transcript_persist_backlog")
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
    expect(down.body).toMatchObject({
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

describe("writes that land after their deadline", () => {
  it("a message whose write landed late is stored once when the backlog retries it", async () => {
    await setStore("late", "transcript-writes")
    const reply = await say("late-1", "landed anyway", "late-session")
    expect(reply.body).toMatchObject({ persisted: false, skippedReason: "store_unavailable" })
    expect((await inStore("late-session")).map((item) => item.messageId)).toEqual(["late-1"])
    await setStore("up")
    await eventually(async () => (await backlogGauge()) === 0)
    expect((await inStore("late-session")).map((item) => item.messageId)).toEqual(["late-1"])
  })

  it("a chat turn during a write outage answers its prompt and lands its reply completed once", async () => {
    await setStore("down", "transcript-writes")
    const read = await readSse(
      await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent("Outage prompt")}`, {
        headers: { "x-session-id": "chat-outage" }
      })
    )
    expect(textOf(read.events)).toContain('You said: "Outage prompt"')
    expect(await inStore("chat-outage")).toEqual([])
    await setStore("up")
    await eventually(async () => (await backlogGauge()) === 0)
    const stored = await inStore("chat-outage")
    expect(stored.map((item) => [item.role, item.status])).toEqual([
      ["user", undefined],
      ["assistant", "completed"]
    ])
    expect(stored[1]!.text).toBe(textOf(read.events))
  })

  it("a reply whose in-progress row landed late is still completed, not dropped as a conflict", async () => {
    await setStore("late", "transcript-writes")
    const read = await readSse(
      await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent("Late rows")}`, {
        headers: { "x-session-id": "chat-late" }
      })
    )
    await setStore("up")
    await eventually(async () => (await backlogGauge()) === 0)
    const reply = (await inStore("chat-late")).find((item) => item.role === "assistant")
    expect(reply).toMatchObject({ status: "completed", text: textOf(read.events) })
  })
})

describe("assessments across a store outage", () => {
  it("an assessment is retried while its messages wait in the backlog, then stored from the store", async () => {
    await setStore("down")
    const ingest = await say(
      "assess-outage-1",
      "Can you give me feedback on this opener: 'I need the draft by noon'?",
      "assess-outage"
    )
    const groupId = (ingest.body as { classification: { groupId: string } }).classification.groupId
    const assessment = async () =>
      (await service.request("GET", `/groups/${groupId}/assessment`)).body as {
        status: string
        attempts: number
        failureReason: string | null
        result: { assessor: string } | null
      }
    await eventually(async () => (await assessment()).attempts >= 1)
    expect(await assessment()).toMatchObject({ status: "pending", result: null })
    expect((await assessment()).failureReason).toMatch(/store unavailable|persistence backlog/)

    await setStore("up")
    await eventually(async () => (await assessment()).status === "completed")
    // Assessed from the store (a result in the job, not one held in memory only) once the message landed.
    expect(await assessment()).toMatchObject({
      status: "completed",
      failureReason: null,
      result: { assessor: "offline-heuristic" }
    })
    const job = await service.run(
      Effect.flatMap(AssessmentQueue, (queue) => queue.job(GroupId.make(groupId)))
    )
    expect(Option.flatMap(job, (found) => found.resultLocation)).toEqual(Option.some("store"))
    expect((await inStore("assess-outage")).map((item) => item.messageId)).toEqual(["assess-outage-1"])
  })
})
