import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { Effect, Option } from "effect"
import { AssessmentQueue } from "../../application/ports/assessment-queue.ts"
import { SessionId } from "../../domain/ids.ts"
import {
  groupAssessment,
  ingestMessage,
  sessionContext,
  userMessageClassified
} from "../support/api-client.ts"
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
  service.call(ingestMessage({ sessionId, messageId, role: "user", text }))
const backlogGauge = async () =>
  valueOf(parseSamples((await service.request("GET", "/metrics")).text), "coachup_transcript_persist_backlog")
/** Polls until `check` passes, as before within 8 s. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 8_000, interval: 100 })
const drained = () => eventually(async () => expect(await backlogGauge()).toBe(0))

describe("a store that fails, hangs, or answers too late", () => {
  it("keeps ingest at 200, serves context from memory, then lands the backlog exactly once", async () => {
    await setStore("down")
    const down = await say("out-1", "first")
    expect(down).toMatchObject({
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
    expect(hung).toMatchObject({ persisted: false, skippedReason: "store_unavailable" })
    expect(Date.now() - started).toBeLessThan(2_000)

    await setStore("late")
    expect(await say("out-3", "third")).toMatchObject({
      persisted: false,
      skippedReason: "store_unavailable"
    })

    await setStore("down")
    const context = await service.call(sessionContext("outage-1", "chat"))
    expect(context).toMatchObject({ source: "memory", reason: "store_error" })
    expect(context.messages.map((m) => m.text)).toEqual(["first", "second", "third"])
    expect(await backlogGauge()).toBe(3)
    const duringOutage = await service.request("GET", "/sessions/outage-1/messages")
    expect(duringOutage.status).toBe(503)
    expect(duringOutage.body).toMatchObject({ error: { code: "store_unavailable" } })

    await setStore("up")
    await drained()
    const stored = await inStore("outage-1")
    expect(stored.map((item) => item.messageId)).toEqual(["out-1", "out-2", "out-3"])
    expect(await service.call((client) => client.operations.readyz())).toEqual({ status: "ready" })

    const repeat = await say("out-1", "first")
    expect(repeat).toMatchObject({ persisted: true, duplicate: true })
    expect(await inStore("outage-1")).toHaveLength(3)
  })

  it("serves store-sourced context again once the store is back, falling back when it has nothing", async () => {
    await setStore("up")
    const context = await service.call(sessionContext("outage-1", "classifier"))
    expect(context).toMatchObject({ source: "store", reason: "store" })
    await service.run(
      Effect.flatMap(StoreFaults, (faults) => faults.transcripts.deleteSession(SessionId.make("outage-1")))
    )
    const empty = await service.call(sessionContext("outage-1", "chat"))
    expect(empty).toMatchObject({ source: "memory", reason: "store_empty" })
  })
})

describe("writes that land after their deadline", () => {
  it("a message whose write landed late is stored once when the backlog retries it", async () => {
    await setStore("late", "transcript-writes")
    const reply = await say("late-1", "landed anyway", "late-session")
    expect(reply).toMatchObject({ persisted: false, skippedReason: "store_unavailable" })
    expect((await inStore("late-session")).map((item) => item.messageId)).toEqual(["late-1"])
    await setStore("up")
    await drained()
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
    await drained()
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
    await drained()
    const reply = (await inStore("chat-late")).find((item) => item.role === "assistant")
    expect(reply).toMatchObject({ status: "completed", text: textOf(read.events) })
  })
})

describe("assessments across a store outage", () => {
  it("an assessment is retried while its messages wait in the backlog, then stored from the store", async () => {
    await setStore("down")
    const { groupId } = await service.call(
      userMessageClassified({
        sessionId: "assess-outage",
        messageId: "assess-outage-1",
        text: "Can you give me feedback on this opener: 'I need the draft by noon'?"
      })
    )
    const assessment = () => service.call(groupAssessment(groupId!))
    await eventually(async () => expect((await assessment()).attempts).toBeGreaterThanOrEqual(1))
    expect(await assessment()).toMatchObject({ status: "pending", result: null })
    expect((await assessment()).failureReason).toMatch(/store unavailable|persistence backlog/)

    await setStore("up")
    await eventually(async () => expect((await assessment()).status).toBe("completed"))
    // Assessed from the store (a result in the job, not one held in memory only) once the message landed.
    expect(await assessment()).toMatchObject({
      status: "completed",
      failureReason: null,
      result: { assessor: "offline-heuristic" }
    })
    const job = await service.run(Effect.flatMap(AssessmentQueue, (queue) => queue.job(groupId!)))
    expect(Option.flatMap(job, (found) => found.resultLocation)).toEqual(Option.some("store"))
    expect((await inStore("assess-outage")).map((item) => item.messageId)).toEqual(["assess-outage-1"])
  })
})
