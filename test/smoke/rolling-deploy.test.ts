import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createParser } from "eventsource-parser"
import { afterAll, beforeAll, expect, it } from "vitest"
import { apiCaller, sessionMessages } from "../support/api-client.ts"
import { readSse, textOf } from "../support/sse-client.ts"
import { type ServiceProcess, serveProcess } from "../support/service-process.ts"

/** A service process takes seconds to start on a busy machine, and a reply streams for seconds. */
const PROCESS_TEST_TIMEOUT_MS = 120_000

let dataDir: string
/** A process on the same DATA_DIR that keeps serving while the one under test shuts down. */
let other: ServiceProcess
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-rolling-deploy-"))
  other = await serveProcess({ DATA_DIR: dataDir })
}, PROCESS_TEST_TIMEOUT_MS)
afterAll(async () => {
  const exited = once(other.child, "exit")
  other.child.kill("SIGTERM")
  await exited
  await rm(dataDir, { recursive: true, force: true })
})

/** A word every 100 ms: the offline coach's reply (some 60 words) takes about six seconds. */
const SLOW_MODEL = { OFFLINE_TOKEN_DELAY_MS: "100" }

interface Part {
  readonly type: string
  readonly messageId?: string
  readonly delta?: string
  readonly errorText?: string
}

/** A chat stream being read: its parts so far, and a promise of its end (`[DONE]` or the socket's). */
const openStream = async (service: ServiceProcess, sessionId: string) => {
  const response = await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent("Help me say no.")}`, {
    headers: { "x-session-id": sessionId }
  })
  expect(response.status).toBe(200)
  const parts: Array<Part> = []
  let done = false
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === "[DONE]") done = true
      else parts.push(JSON.parse(data) as Part)
    }
  })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  const ended = (async () => {
    while (true) {
      const { done: closed, value } = await reader.read()
      if (closed) return { done, parts, at: performance.now() }
      parser.feed(decoder.decode(value, { stream: true }))
    }
  })()
  const text = () =>
    parts
      .filter((part) => part.type === "text-delta")
      .map((part) => part.delta)
      .join("")
  return { parts, ended, text }
}

const until = async (condition: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time")
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const replyOf = async (service: ServiceProcess, sessionId: string, messageId: string | undefined) => {
  const { items } = await apiCaller(service.url).call(sessionMessages(sessionId))
  return items.find((item) => item.messageId === messageId)
}

it(
  "SIGTERM mid-stream: no new connections at once, the stream ends in-band after the grace with its text kept incomplete, another process on the same DATA_DIR serves meanwhile",
  async () => {
    const stopping = await serveProcess({ DATA_DIR: dataDir, ...SLOW_MODEL, SHUTDOWN_GRACE_MS: "1500" })
    try {
      const stream = await openStream(stopping, "deploy-cut")
      await until(() => stream.text().length > 0, 5_000)
      const exited = once(stopping.child, "exit")
      const signalledAt = performance.now()
      stopping.child.kill("SIGTERM")
      await new Promise((resolve) => setTimeout(resolve, 200))

      // Not ready, and nothing new reaches it: the probe's new connection is refused.
      await expect(fetch(`${stopping.url}/readyz`)).rejects.toThrow()
      // The other process serves a whole turn meanwhile.
      const served = await fetch(`${other.url}/chat/stream?prompt=${encodeURIComponent("Still there?")}`, {
        headers: { "x-session-id": "deploy-other" }
      })
      expect(served.status).toBe(200)
      const otherTurn = await readSse(served)
      expect(otherTurn.events.at(-1)).toBe("[DONE]")
      expect(textOf(otherTurn.events).length).toBeGreaterThan(0)

      const { done, parts, at } = await stream.ended
      const endedAfterMs = at - signalledAt
      const [code] = await exited
      expect(code).toBe(0)
      // The client got an end in-band, after the grace and before the reply would have finished.
      expect(done).toBe(true)
      expect(parts.at(-1)).toMatchObject({ type: "error" })
      expect(parts.at(-1)!.errorText).toContain("restarted")
      expect(parts.some((part) => part.type === "finish")).toBe(false)
      expect(endedAfterMs).toBeGreaterThanOrEqual(1_400)
      expect(endedAfterMs).toBeLessThan(4_500)
      expect(stopping.lines.map((line) => line["message"])).toContain(
        "shutdown grace over: open chat streams end as incomplete"
      )

      const messageId = parts.find((part) => part.type === "start")?.messageId
      const reply = await replyOf(other, "deploy-cut", messageId)
      expect(reply).toMatchObject({ role: "assistant", status: "incomplete" })
      const received = stream.text()
      expect(received.length).toBeGreaterThan(0)
      // Every word the client got is stored (the turn may have taken one more it had not sent).
      expect(
        reply!.text.startsWith(received),
        `stored "${reply!.text}" does not start with "${received}"`
      ).toBe(true)
    } finally {
      stopping.child.kill("SIGKILL")
    }
  },
  PROCESS_TEST_TIMEOUT_MS
)

it(
  "SIGTERM mid-stream with a grace long enough: the stream finishes, its reply completed, then the process exits",
  async () => {
    const stopping = await serveProcess({ DATA_DIR: dataDir, ...SLOW_MODEL, SHUTDOWN_GRACE_MS: "20000" })
    const exited = once(stopping.child, "exit")
    try {
      const stream = await openStream(stopping, "deploy-finish")
      await until(() => stream.text().length > 0, 5_000)
      stopping.child.kill("SIGTERM")
      const { done, parts } = await stream.ended
      expect(done).toBe(true)
      expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" })
      const [code] = await exited
      expect(code).toBe(0)

      const messageId = parts.find((part) => part.type === "start")?.messageId
      const reply = await replyOf(other, "deploy-finish", messageId)
      expect(reply).toMatchObject({ role: "assistant", status: "completed", text: stream.text() })
    } finally {
      stopping.child.kill("SIGKILL")
    }
  },
  PROCESS_TEST_TIMEOUT_MS
)

it(
  "SIGTERM while a reply streams to no one (its client left; the turn runs on, resumable): it runs within the grace, is then stopped and kept incomplete with its text, and the process exits",
  async () => {
    const stopping = await serveProcess({ DATA_DIR: dataDir, ...SLOW_MODEL, SHUTDOWN_GRACE_MS: "1500" })
    const exited = once(stopping.child, "exit")
    try {
      const leaving = new AbortController()
      const response = await fetch(
        `${stopping.url}/chat/stream?prompt=${encodeURIComponent("Help me say no.")}`,
        { headers: { "x-session-id": "deploy-left" }, signal: leaving.signal }
      )
      expect(response.status).toBe(200)
      const reader = response.body!.getReader()
      let received = ""
      while (!received.includes('"text-delta"'))
        received += new TextDecoder().decode((await reader.read()).value)
      const messageId = /"type":"start","messageId":"([^"]+)"/.exec(received)?.[1]
      leaving.abort()

      const signalledAt = performance.now()
      stopping.child.kill("SIGTERM")
      const [code] = await exited
      const exitedAfterMs = performance.now() - signalledAt
      expect(code).toBe(0)
      // The turn had the grace, no more: the reply alone would take some six seconds.
      expect(exitedAfterMs).toBeGreaterThanOrEqual(1_400)
      expect(exitedAfterMs).toBeLessThan(4_500)

      const reply = await replyOf(other, "deploy-left", messageId)
      expect(reply).toMatchObject({ role: "assistant", status: "incomplete" })
      expect(reply!.text.length).toBeGreaterThan(0)
    } finally {
      stopping.child.kill("SIGKILL")
    }
  },
  PROCESS_TEST_TIMEOUT_MS
)
