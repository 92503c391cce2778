import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { SpanStatusCode } from "@opentelemetry/api"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { readSse, textOf } from "../support/sse-client.ts"
import { startService, type TestService } from "../support/service.ts"

// Distinctive strings: if any attribute of any span holds one, text or a raw id leaked into traces.
const PROMPT = "Zebra-quartz-7f3a prompt"
const SESSION = "session-marker-9c1d"
const GROUP = "group-marker-5b2e"
const REQUEST = "req-span-tree-1"

const exporter = new InMemorySpanExporter()
let service: TestService
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: { OFFLINE_TOKEN_DELAY_MS: "0" },
    spanProcessors: [new SimpleSpanProcessor(exporter)]
  })
})
afterAll(() => service.close())

const idOf = (span: ReadableSpan) => span.spanContext().spanId

/** The chain of span names from a span up to its root. */
const ancestry = (span: ReadableSpan, spans: ReadonlyArray<ReadableSpan>): Array<string> => {
  const parent = spans.find((candidate) => idOf(candidate) === span.parentSpanContext?.spanId)
  return parent === undefined ? [span.name] : [span.name, ...ancestry(parent, spans)]
}

describe("the trace of one chat turn", () => {
  it("is one tree HTTP → StreamChat → SelectContext → store, and ChatModel, with the request id and no text", async () => {
    exporter.reset()
    const read = await readSse(
      await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent(PROMPT)}`, {
        headers: { "x-session-id": SESSION, "x-group-id": GROUP, "x-request-id": REQUEST }
      })
    )
    // The reply's text, the other text of the turn, must stay out of the spans too.
    const reply = textOf(read.events)
    expect(reply).toContain(PROMPT)
    // The reply is recorded and the background classification ends just after `[DONE]`.
    await vi.waitFor(
      () => expect(exporter.getFinishedSpans().map((span) => span.name)).toContain("ClassifyBoundary"),
      { timeout: 5_000, interval: 20 }
    )
    const spans = exporter.getFinishedSpans()

    const roots = spans.filter(
      (span) => !spans.some((other) => idOf(other) === span.parentSpanContext?.spanId)
    )
    expect(roots.map((span) => span.name)).toEqual(["GET /chat/stream"])
    const [root] = roots
    expect(new Set(spans.map((span) => span.spanContext().traceId))).toEqual(
      new Set([root!.spanContext().traceId])
    )
    expect(root!.attributes).toMatchObject({
      "http.request_id": REQUEST,
      "http.route": "/chat/stream",
      "http.response.status_code": 200
    })

    const chains = spans.map((span) => ancestry(span, spans).join(" < "))
    expect(chains).toContain("TranscriptStore.last_n < SelectContext < StreamChat < GET /chat/stream")
    expect(chains).toContain("BuildContext < StreamChat < GET /chat/stream")
    expect(chains).toContain("StreamChat.turn < StreamChat < GET /chat/stream")
    expect(chains).toContain("ChatModel.stream < StreamChat.turn < StreamChat < GET /chat/stream")
    expect(chains).toContain(
      "TranscriptStore.finish_reply < RecordTranscriptItem < StreamChat.turn < StreamChat < GET /chat/stream"
    )
    expect(chains).toContain(
      "TranscriptStore.append < RecordTranscriptItem < IngestMessage < StreamChat < GET /chat/stream"
    )
    // The prompt's classification runs in a background fiber, under the turn all the same.
    expect(chains).toContain("ClassifyBoundary < StreamChat.turn < StreamChat < GET /chat/stream")
    // The turn's span lasts as long as the turn: it ends after the model call and the reply's record.
    const endOf = (name: string) => {
      const [seconds, nanos] = spans.find((span) => span.name === name)!.endTime
      return seconds * 1e9 + nanos
    }
    expect(endOf("StreamChat.turn")).toBeGreaterThanOrEqual(endOf("ChatModel.stream"))
    expect(endOf("StreamChat.turn")).toBeGreaterThanOrEqual(endOf("TranscriptStore.finish_reply"))
    const model = spans.find((span) => span.name === "ChatModel.stream")!
    expect(model.attributes).toMatchObject({ "http.request_id": REQUEST, "chat.provider": "offline" })

    const attributes = JSON.stringify(
      spans.map((span) => [span.name, span.attributes, span.events.map((event) => event.attributes)])
    )
    for (const secret of [PROMPT, "Zebra-quartz", reply, SESSION, GROUP]) {
      expect(attributes).not.toContain(secret)
    }
  })
})

describe("the trace of a chat turn whose model sends nothing in time", () => {
  const timedOut = new InMemorySpanExporter()
  let slow: TestService
  beforeAll(async () => {
    slow = await startService({
      stores: memoryStores,
      env: { OFFLINE_TOKEN_DELAY_MS: "60000", CHAT_IDLE_TIMEOUT_MS: "300" },
      spanProcessors: [new SimpleSpanProcessor(timedOut)]
    })
  })
  afterAll(() => slow.close())

  it("ends the model call's span as failed by the timeout, not as interrupted", async () => {
    const read = await readSse(
      await fetch(`${slow.url}/chat/stream?prompt=${encodeURIComponent("Anyone there?")}`, {
        headers: { "x-session-id": "session-timeout-span" }
      })
    )
    expect(read.events).toContainEqual(expect.objectContaining({ type: "error" }))
    await vi.waitFor(
      () => expect(timedOut.getFinishedSpans().map((span) => span.name)).toContain("ChatModel.stream"),
      { timeout: 5_000, interval: 20 }
    )
    const model = timedOut.getFinishedSpans().find((span) => span.name === "ChatModel.stream")!
    expect(model.status.code).toBe(SpanStatusCode.ERROR)
    expect(model.status.message).toContain("no text from the model in")
  })
})
