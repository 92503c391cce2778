import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults } from "../support/faulty-stores.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { MARKERS, runWorkload } from "../support/scripted-workload.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<StoreFaults>
beforeAll(async () => {
  service = await startService({
    stores: FaultyStores.layer,
    env: { STORE_TIMEOUT_MS: "150", PERSIST_RETRY_SECONDS: "1", OFFLINE_TOKEN_DELAY_MS: "0" }
  })
})
afterAll(() => service.close())

const scrape = async () => parseSamples(await (await fetch(`${service.url}/metrics`)).text())
const setStore = (mode: "up" | "down") =>
  service.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode, "transcript-writes")))
/** How long, and how often, a test polls /metrics for what the service does in the background. */
const POLL = { timeout: 8_000, interval: 50 }

describe("/metrics after the scripted workload", () => {
  it("moves each series by what the workload did", async () => {
    const before = await scrape()
    await runWorkload(service.url, {
      run: "metrics",
      storeOutage: {
        down: () => setStore("down"),
        up: () => setStore("up"),
        drained: () =>
          vi.waitFor(async () => {
            expect(total(await scrape(), "coachup_outbox_depth"), "outbox delivered").toBe(0)
          }, POLL)
      }
    })
    // Four user messages are classified inline and the chat prompt in the background; the one-off's
    // assessment is stored by a worker.
    await vi.waitFor(async () => {
      expect(
        total(await scrape(), "coachup_classifier_decisions_total") -
          total(before, "coachup_classifier_decisions_total"),
        "background classification"
      ).toBe(5)
    }, POLL)
    await vi.waitFor(async () => {
      expect(
        total(await scrape(), "coachup_assessment_jobs_total", { outcome: "completed" }) -
          total(before, "coachup_assessment_jobs_total", { outcome: "completed" }),
        "assessment stored"
      ).toBe(1)
    }, POLL)
    const after = await scrape()
    const moved = (name: string, labels: Record<string, string> = {}) =>
      total(after, name, labels) - total(before, name, labels)

    // Written directly: the first message, the chat prompt and the one-off.
    expect(moved("coachup_transcript_persist_total", { outcome: "inserted", role: "user" })).toBe(3)
    expect(moved("coachup_transcript_persist_total", { outcome: "duplicate", role: "user" })).toBe(1)
    // The coach's ingested message and the chat reply's in-progress row; then the reply completes.
    expect(moved("coachup_transcript_persist_total", { outcome: "inserted", role: "assistant" })).toBe(2)
    expect(moved("coachup_transcript_persist_total", { outcome: "completed", role: "assistant" })).toBe(1)
    // The store outage: one write queued in the outbox, then delivered.
    expect(moved("coachup_transcript_persist_total", { outcome: "queued", role: "user" })).toBe(1)
    expect(moved("coachup_transcript_persist_total", { outcome: "delivered", role: "user" })).toBe(1)
    expect(moved("coachup_store_errors_total", { op: "append" })).toBe(1)
    expect(total(after, "coachup_outbox_depth")).toBe(0)
    // Session memory holds the three sessions the workload used (and any earlier ones).
    expect(total(after, "coachup_session_memory_sessions")).toBeGreaterThanOrEqual(3)
    // Privacy: the opted-out session's message.
    expect(moved("coachup_persist_skipped_privacy_total")).toBe(1)

    // Chat: one completed turn of the offline coach, which reports its usage.
    expect(moved("coachup_chat_turns_total", { outcome: "completed" })).toBe(1)
    expect(moved("coachup_chat_turns_total", { outcome: "failed" })).toBe(0)
    expect(moved("coachup_chat_ttft_seconds_count")).toBe(1)
    expect(moved("coachup_chat_duration_seconds_count")).toBe(1)
    expect(moved("coachup_chat_context_messages_count")).toBe(1)
    // The window: the first message, the coach's message and the prompt.
    expect(moved("coachup_chat_context_messages_sum")).toBe(3)
    expect(moved("coachup_chat_tokens_total", { kind: "input" })).toBeGreaterThan(0)
    expect(moved("coachup_chat_tokens_total", { kind: "output" })).toBeGreaterThan(0)
    expect(total(after, "coachup_sse_open_streams")).toBe(0)

    // Classifier: the opening message starts a practice; the rest depends on the offline rules.
    expect(moved("coachup_classifier_decisions_total", { decision: "start" })).toBe(1)
    expect(moved("coachup_classifier_decisions_total", { decision: "one_off" })).toBe(1)
    expect(moved("coachup_classifier_confidence_count")).toBe(5)
    expect(moved("coachup_classifier_context_messages_count")).toBe(5)
    expect(moved("coachup_classifier_context_build_total", { outcome: "not_persisted" })).toBe(1)
    expect(moved("coachup_classifier_context_build_total")).toBe(5)
    expect(moved("coachup_classifier_failures_total")).toBe(0)

    // Assessments: the one-off queued one job in its commit, and a worker stored its result.
    expect(moved("coachup_assessment_jobs_total", { outcome: "queued" })).toBe(1)
    expect(moved("coachup_assessment_jobs_total", { outcome: "completed" })).toBe(1)
    expect(moved("coachup_assessment_jobs_total", { outcome: "failed" })).toBe(0)
    expect(moved("coachup_assessment_duration_seconds_count")).toBe(1)

    // HTTP, by route pattern and status.
    const http = (route: string, status: string) =>
      moved("coachup_http_request_duration_seconds_count", { route, status })
    expect(http("/messages/ingest", "200")).toBe(6)
    expect(http("/chat/stream", "200")).toBe(1)
    expect(http("/sessions/:sessionId/privacy", "200")).toBe(1)

    // Bounded labels: no session, group or message id and no text in any series.
    const labelValues = JSON.stringify(after.map((sample) => sample.labels))
    for (const marker of Object.values(MARKERS)) expect(labelValues).not.toContain(marker)
  })
})

describe("coachup_sse_open_streams", () => {
  let slow: TestService
  beforeAll(async () => {
    // Words a quarter of a second apart: the stream stays open while the test looks.
    slow = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "250" } })
  })
  afterAll(() => slow.close())

  it("counts a chat stream while its response is being written, and not after the client left", async () => {
    const gauge = async () =>
      total(parseSamples(await (await fetch(`${slow.url}/metrics`)).text()), "coachup_sse_open_streams")
    const response = await fetch(`${slow.url}/chat/stream?prompt=hello`, {
      headers: { "x-session-id": "open-stream" }
    })
    const reader = response.body!.getReader()
    await reader.read()
    expect(await gauge()).toBe(1)
    await reader.cancel()
    await vi.waitFor(async () => expect(await gauge(), "stream closed").toBe(0), POLL)
  })
})
