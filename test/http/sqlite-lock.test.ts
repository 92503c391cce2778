import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { type ServiceProcess, serveProcess, stopProcess } from "../support/service-process.ts"

/** The service's store deadline here, and so its longest wait for the file's lock. */
const STORE_TIMEOUT_MS = 1_000
/** How long the other process holds the file. */
const LOCK_MS = 4_000
/** How long /healthz is measured with the file free, first. */
const BASELINE_MS = 2_000

let dataDir: string
let service: ServiceProcess
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-lock-"))
  service = await serveProcess({
    DATA_DIR: dataDir,
    STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
    PERSIST_RETRY_SECONDS: "1"
  })
})
afterAll(async () => {
  expect(await stopProcess(service.child)).toBe(0)
  await rm(dataDir, { recursive: true, force: true })
})

/** One request, timed on this side of the socket. */
const timed = async (path: string, init: RequestInit = {}) => {
  const started = performance.now()
  const response = await fetch(service.url + path, init)
  const body = (await response.json()) as Record<string, unknown>
  return { status: response.status, body, ms: performance.now() - started }
}

const ingest = (sessionId: string, messageId: string) =>
  timed("/messages/ingest", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, messageId, role: "assistant", text: `text of ${messageId}` })
  })

const storedIds = async (sessionId: string) => {
  const { status, body } = await timed(`/sessions/${sessionId}/messages?limit=100`)
  expect(status).toBe(200)
  return (body["items"] as Array<{ messageId: string }>).map((item) => item.messageId)
}

const percentile = (samples: ReadonlyArray<number>, p: number) => {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Repeats `request` until `until` resolves, collecting what each answered. */
const repeatUntil = async <A>(until: Promise<unknown>, request: () => Promise<A>, pauseMs: number) => {
  let done = false
  void until.then(() => (done = true))
  const answers: Array<A> = []
  while (!done) {
    answers.push(await request())
    await sleep(pauseMs)
  }
  return answers
}

it(
  "keeps /healthz and other sessions' reads answering while another process holds the file, and lands the writes after",
  { timeout: 30_000 },
  async () => {
    for (const id of ["r1", "r2", "r3"])
      expect((await ingest("reader", id)).body).toMatchObject({ persisted: true })
    expect((await ingest("writer", "w0")).body).toMatchObject({ persisted: true })

    // The same probe with the file free first, printed beside the figures under the lock: the machine's own latency.
    const baseline = (await repeatUntil(sleep(BASELINE_MS), () => timed("/healthz"), 10)).map(
      (answer) => answer.ms
    )

    // This test's process is the other process: the service runs in its own.
    const other = new DatabaseSync(join(dataDir, "coachup.sqlite"))
    other.exec("BEGIN EXCLUSIVE")
    const lockHeld = sleep(LOCK_MS)
    const [health, reads, writes] = await Promise.all([
      repeatUntil(lockHeld, () => timed("/healthz"), 10),
      repeatUntil(lockHeld, () => timed("/sessions/reader/messages"), 50),
      (async () => {
        const answers = []
        for (const id of ["w1", "w2", "w3"]) answers.push(await ingest("writer", id))
        return answers
      })()
    ])
    other.exec("ROLLBACK")
    other.close()

    const healthMs = health.map((answer) => answer.ms)
    console.info(
      `healthz with the file free: p99 ${percentile(baseline, 99).toFixed(1)} ms; ` +
        `during a ${LOCK_MS} ms lock: ${health.length} requests, p50 ${percentile(healthMs, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(healthMs, 99).toFixed(1)} ms, max ${Math.max(...healthMs).toFixed(1)} ms; ` +
        `reads p99 ${percentile(
          reads.map((answer) => answer.ms),
          99
        ).toFixed(1)} ms; ` +
        `writes answered in ${writes.map((answer) => answer.ms.toFixed(0)).join(", ")} ms`
    )
    expect(health.length).toBeGreaterThan(100)
    expect(health.every((answer) => answer.status === 200)).toBe(true)
    // A lock wait on the event loop stalls every request for the whole deadline (measured: p99 5.5 s with
    // SQLite's 1 s busy_timeout). The figure is p99 under 50 ms on a quiet machine; a shared
    // runner's own p99 can exceed that with the file free (printed above), so the bound here is what
    // no lock wait can stay under.
    expect(percentile(healthMs, 99)).toBeLessThan(STORE_TIMEOUT_MS / 4)
    expect(reads.length).toBeGreaterThan(20)
    for (const read of reads) {
      expect(read.status).toBe(200)
      expect(read.ms).toBeLessThan(STORE_TIMEOUT_MS)
      expect((read.body["items"] as Array<{ messageId: string }>).map((item) => item.messageId)).toEqual([
        "r1",
        "r2",
        "r3"
      ])
    }
    // Every write is queued in the outbox: the first after its store call met the deadline, the later
    // ones at once, behind it, so that the session's writes land in order.
    for (const write of writes) expect(write.body).toMatchObject({ persisted: false, queued: true })
    expect(writes[0]!.ms).toBeGreaterThanOrEqual(STORE_TIMEOUT_MS)
    expect(writes[0]!.ms).toBeLessThan(2 * STORE_TIMEOUT_MS)
    for (const write of writes.slice(1)) expect(write.ms).toBeLessThan(STORE_TIMEOUT_MS)

    await vi.waitFor(async () => expect(await storedIds("writer")).toEqual(["w0", "w1", "w2", "w3"]), {
      timeout: 10_000,
      interval: 200
    })
  }
)
