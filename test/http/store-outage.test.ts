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
const outboxDepth = async () =>
  valueOf(parseSamples((await service.request("GET", "/metrics")).text), "coachup_outbox_depth")
/** Polls until `check` passes, as before within 8 s. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 8_000, interval: 100 })
const drained = () => eventually(async () => expect(await outboxDepth()).toBe(0))
const ingestRaw = (of: TestService<StoreFaults>, sessionId: string, messageId: string, text: string) =>
  of.request("POST", "/messages/ingest", { body: { sessionId, messageId, role: "user", text } })

describe("a store that fails, hangs, or answers too late", () => {
  it("queues writes in the outbox, serves context from memory, then delivers them once and in order", async () => {
    await setStore("up")
    expect(await say("out-0", "before")).toMatchObject({ persisted: true, queued: false })
    await setStore("down")
    const down = await say("out-1", "first")
    expect(down).toEqual({
      messageId: "out-1",
      sessionId: "outage-1",
      persisted: false,
      queued: true,
      duplicate: false,
      classification: expect.anything()
    })
    expect((await service.request("GET", "/readyz")).status).toBe(503)
    // Behind the session's first waiting write, whatever the store does.
    expect(await say("out-2", "second")).toMatchObject({ persisted: false, queued: true })

    const context = await service.call(sessionContext("outage-1", "chat"))
    expect(context).toMatchObject({ source: "memory", reason: "store_error" })
    expect(context.messages.map((m) => m.text)).toEqual(["before", "first", "second"])
    await eventually(async () => expect(await outboxDepth()).toBe(2))
    const duringOutage = await service.request("GET", "/sessions/outage-1/messages")
    expect(duringOutage.status).toBe(503)
    expect(duringOutage.body).toMatchObject({ error: { code: "store_unavailable" } })

    await setStore("up")
    await drained()
    const stored = await inStore("outage-1")
    expect(stored.map((item) => item.messageId)).toEqual(["out-0", "out-1", "out-2"])
    expect(await service.call((client) => client.operations.readyz())).toEqual({ status: "ready" })

    const repeat = await say("out-1", "first")
    expect(repeat).toMatchObject({ persisted: true, queued: false, duplicate: true })
    expect(await inStore("outage-1")).toHaveLength(3)
  })

  it("queues a write whose store call hangs within the store's deadline", async () => {
    await setStore("up")
    await say("hang-0", "seen", "outage-hang")
    await setStore("hang")
    const started = Date.now()
    expect(await say("hang-1", "hung", "outage-hang")).toMatchObject({ persisted: false, queued: true })
    expect(Date.now() - started).toBeLessThan(2_000)
    await setStore("up")
    await drained()
    expect((await inStore("outage-hang")).map((item) => item.messageId)).toEqual(["hang-0", "hang-1"])
  })

  it("refuses a session it has never seen with 503 and Retry-After: its privacy setting is unknown", async () => {
    await setStore("down")
    const refused = await ingestRaw(service, "never-seen", "unseen-1", "whose opt-out is unknown")
    expect(refused.status).toBe(503)
    expect(refused.headers.get("retry-after")).toBe("1")
    expect(refused.body).toMatchObject({ error: { code: "store_unavailable" } })
    await setStore("up")
    await drained()
    expect(await inStore("never-seen")).toEqual([])
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

  it("forgets a deleted session's waiting writes: none reaches the store afterwards", async () => {
    await setStore("down", "transcript-writes")
    expect(await say("gone-1", "to be deleted", "outage-deleted")).toMatchObject({ queued: true })
    expect((await service.request("DELETE", "/sessions/outage-deleted")).status).toBe(200)
    await setStore("up")
    await drained()
    expect(await inStore("outage-deleted")).toEqual([])
  })
})

describe("a full outbox", () => {
  let small: TestService<StoreFaults>
  beforeAll(async () => {
    small = await startService({
      stores: FaultyStores.layer,
      env: { STORE_TIMEOUT_MS: "150", PERSIST_RETRY_SECONDS: "1", PERSIST_BACKLOG_CAPACITY: "2" }
    })
  })
  afterAll(() => small.close())
  const setSmall = (mode: StoreMode) =>
    small.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode, "transcript-writes")))

  it("refuses new messages and chat prompts with 503 and Retry-After, never 200; the queued ones land", async () => {
    await setSmall("down")
    const answers = []
    for (const messageId of ["full-1", "full-2", "full-3"]) {
      answers.push(await ingestRaw(small, "outage-full", messageId, `message ${messageId}`))
    }
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 503])
    expect(answers.slice(0, 2).map((answer) => answer.body)).toMatchObject([
      { queued: true },
      { queued: true }
    ])
    expect(answers[2]!.headers.get("retry-after")).toBe("1")
    expect(answers[2]!.body).toMatchObject({ error: { code: "store_unavailable" } })
    // A message already waiting is still taken: its later write replaces the waiting one.
    expect((await ingestRaw(small, "outage-full", "full-1", "message full-1")).body).toMatchObject({
      queued: true,
      duplicate: true
    })

    const chat = await fetch(`${small.url}/chat/stream?prompt=${encodeURIComponent("Full outbox")}`, {
      headers: { "x-session-id": "outage-full-chat" }
    })
    expect(chat.status).toBe(503)
    expect(chat.headers.get("retry-after")).toBe("1")

    await setSmall("up")
    // Metrics are the process's, shared with the other service here: the store tells instead.
    const stored = () =>
      small.run(
        Effect.flatMap(StoreFaults, (faults) => faults.transcripts.lastN(SessionId.make("outage-full"), 10))
      )
    await eventually(async () =>
      expect((await stored()).map((item) => item.messageId)).toEqual(["full-1", "full-2"])
    )
    expect((await ingestRaw(small, "outage-full", "full-3", "message full-3")).body).toMatchObject({
      persisted: true
    })
  })
})

describe("writes that land after their deadline", () => {
  it("a message whose write landed late is stored once when the outbox delivers it", async () => {
    await setStore("late", "transcript-writes")
    const reply = await say("late-1", "landed anyway", "late-session")
    expect(reply).toMatchObject({ persisted: false, queued: true })
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
  it("an assessment is retried while its messages wait in the outbox, then stored from the store", async () => {
    await setStore("down", "transcript-writes")
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
    expect((await assessment()).failureReason).toMatch(/store unavailable|outbox/)

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
