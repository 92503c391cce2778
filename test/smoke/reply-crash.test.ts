import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createParser } from "eventsource-parser"
import { afterAll, beforeAll, expect, it } from "vitest"
import { apiCaller, sessionMessages } from "../support/api-client.ts"
import { serveProcess, stopProcess } from "../support/service-process.ts"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-reply-crash-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

/** A word every 100 ms: the offline coach's reply (some 60 words) takes several seconds. */
const SLOW_MODEL = { OFFLINE_TOKEN_DELAY_MS: "100" }
/** How long the client reads text before the service is killed. */
const READ_FOR_MS = 2_500

/** The text the client had at each moment a text-delta arrived (ms, `performance.now()`). */
interface Seen {
  readonly at: number
  readonly text: string
}

it("a reply cut by kill -9 is incomplete after restart, holding the text sent up to a second before", async () => {
  const first = await serveProcess({ DATA_DIR: dataDir, ...SLOW_MODEL })
  const closed = once(first.child, "close")
  const response = await fetch(`${first.url}/chat/stream?prompt=${encodeURIComponent("Help me say no.")}`, {
    headers: { "x-session-id": "crash-1" }
  })
  expect(response.status).toBe(200)

  let messageId: string | undefined
  const seen: Array<Seen> = []
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === "[DONE]") return
      const part = JSON.parse(data) as { type: string; messageId?: string; delta?: string }
      if (part.type === "start") messageId = part.messageId
      if (part.type === "text-delta")
        seen.push({ at: performance.now(), text: (seen.at(-1)?.text ?? "") + part.delta })
    }
  })
  const decoder = new TextDecoder()
  const reader = response.body!.getReader()
  let killedAt = 0
  while (killedAt === 0) {
    const { done, value } = await reader.read()
    expect(done, "the reply ended before the kill: make the model slower").toBe(false)
    parser.feed(decoder.decode(value, { stream: true }))
    if (seen.length > 0 && performance.now() - seen[0]!.at >= READ_FOR_MS) {
      killedAt = performance.now()
      first.child.kill("SIGKILL")
    }
  }
  await reader.cancel().catch(() => undefined)
  expect((await closed)[1]).toBe("SIGKILL")

  const second = await serveProcess({ DATA_DIR: dataDir, ...SLOW_MODEL })
  try {
    const { items } = await apiCaller(second.url).call(sessionMessages("crash-1"))
    const reply = items.find((item) => item.messageId === messageId)
    const received = seen.at(-1)!.text
    const secondBefore = seen.filter((entry) => entry.at <= killedAt - 1_000).at(-1)?.text ?? ""
    console.info(
      `reply-crash: the client had ${received.length} characters at the kill and ${secondBefore.length} ` +
        `a second before; the restarted service holds ${reply?.text.length} (${reply?.status})`
    )
    expect(reply).toMatchObject({ role: "assistant", status: "incomplete" })
    expect(secondBefore.length).toBeGreaterThan(0)
    expect(received.startsWith(reply!.text), `stored "${reply!.text}" is not a prefix of "${received}"`).toBe(
      true
    )
    expect(reply!.text.length).toBeGreaterThanOrEqual(secondBefore.length)
    // The restarted service says what it finished.
    expect(second.lines.map((line) => line["message"])).toContain(
      "replies left in progress by a stopped process finished as incomplete"
    )
  } finally {
    expect(await stopProcess(second.child)).toBe(0)
  }
}, 60_000)
