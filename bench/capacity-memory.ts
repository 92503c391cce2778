/**
 * `node bench/capacity-memory.ts`: the real service (`node bootstrap/main.ts serve`) in a child
 * process under the two loads of issue #15, with its default caps, sampling its memory after a full
 * collection (bench/memory-probe.ts):
 *
 * 1. 2,000 chat stream attempts at once, each by its own user (so only `CHAT_MAX_STREAMS` applies),
 *    whose model stays silent: how many are accepted and refused, and RSS with every accepted
 *    stream open and idle.
 * 2. 9,000 ingests of 32,000-character messages over 6,000 memory-only sessions
 *    (`PERSIST_TRANSCRIPTS_ENABLED=false`): RSS and what session memory reports holding, under the
 *    default `SESSION_MEMORY_MAX_BYTES` and with the budget out of the way (as the issue measured).
 *
 * Options: `--attempts 2000 --ingests 9000 --sessions 6000`.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { type ClientRequest, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import { parseSamples, total } from "../test/support/prometheus-text.ts"
import { STREAM_PATH } from "./chat-ttft.ts"
import { BASE_ENV, type Child, IDLE_STREAM_SERVICE_ENV, sample, spawnServer, stop } from "./child-service.ts"
import type { MemorySample } from "./memory-probe.ts"
import { bytes, count, printTable } from "./report.ts"

const { values } = parseArgs({
  options: {
    attempts: { type: "string", default: "2000" },
    ingests: { type: "string", default: "9000" },
    sessions: { type: "string", default: "6000" }
  }
})
const ATTEMPTS = Number(values.attempts)
const INGESTS = Number(values.ingests)
const SESSIONS = Number(values.sessions)
const TEXT_LENGTH = 32_000
/** Stream attempts started together; ingests in flight at once. */
const BATCH = 250
const INGEST_CONCURRENCY = 16
const UNBOUNDED_BYTES = String(1024 ** 4)

const dataDir = mkdtempSync(join(tmpdir(), "coachup-capacity-"))

const withService = async <A>(
  label: string,
  env: Record<string, string>,
  use: (child: Child) => Promise<A>
): Promise<A> => {
  const child = await spawnServer(["bootstrap/main.ts", "serve"], {
    ...BASE_ENV,
    ...IDLE_STREAM_SERVICE_ENV,
    LOG_LEVEL: "INFO",
    DATA_DIR: join(dataDir, label),
    ...env
  })
  try {
    return await use(child)
  } finally {
    await stop(child.process)
  }
}

const scrape = async (child: Child) => parseSamples(await (await fetch(`${child.url}/metrics`)).text())

interface Attempt {
  readonly status: number
  readonly request: ClientRequest
}

/** One stream on its own connection, by its own user; resolves at its first bytes, or a refusal's end. */
const attemptStream = (url: URL, index: number) =>
  new Promise<Attempt>((resolve, reject) => {
    const req = request(
      url,
      {
        agent: false,
        headers: {
          accept: "text/event-stream",
          "x-session-id": `capacity-${index}`,
          "x-user-id": `capacity-user-${index}`
        }
      },
      (res) => {
        const status = res.statusCode ?? 0
        if (status === 200) res.once("data", () => resolve({ status, request: req }))
        else res.resume().once("end", () => resolve({ status, request: req }))
      }
    )
    req.on("error", reject)
    req.end()
  })

const statusCounts = (attempts: ReadonlyArray<Attempt>) =>
  attempts.reduce<Record<number, number>>((counts, { status }) => {
    counts[status] = (counts[status] ?? 0) + 1
    return counts
  }, {})

const streams = () =>
  withService("streams", {}, async (child) => {
    const url = new URL(STREAM_PATH, child.url)
    const warmup = await Promise.all(Array.from({ length: 20 }, (_, i) => attemptStream(url, -1 - i)))
    warmup.forEach(({ request }) => request.destroy())
    await sleep(1000)
    const before = await sample(child.process)
    const attempts: Array<Attempt> = []
    const started = performance.now()
    for (let first = 0; first < ATTEMPTS; first += BATCH) {
      const size = Math.min(BATCH, ATTEMPTS - first)
      attempts.push(
        ...(await Promise.all(Array.from({ length: size }, (_, i) => attemptStream(url, first + i))))
      )
    }
    const seconds = (performance.now() - started) / 1000
    await sleep(2000)
    const open = await sample(child.process)
    const metrics = await scrape(child)
    const counts = statusCounts(attempts)
    attempts.forEach(({ request }) => request.destroy())
    await sleep(2000)
    const closed = await sample(child.process)
    return {
      counts,
      seconds,
      before,
      open,
      closed,
      openGauge: total(metrics, "coachup_sse_open_streams"),
      refusedGauge: total(metrics, "coachup_http_overload_refusals_total", { reason: "streams" })
    }
  })

const ingestOne = async (base: string, index: number) => {
  const text = `message ${index} `.padEnd(TEXT_LENGTH, "abcdefghij ")
  const response = await fetch(`${base}/messages/ingest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      sessionId: `memory-only-${index % SESSIONS}`,
      messageId: `m-${index}`,
      role: "user",
      text
    })
  })
  await response.arrayBuffer()
  return response.status
}

interface IngestRun {
  readonly label: string
  readonly budget: string
  readonly statuses: Record<number, number>
  readonly before: MemorySample
  readonly after: MemorySample
  readonly heldBytes: number
  readonly sessions: number
  readonly evictedForBytes: number
}

const ingests = (label: string, budget: string | undefined) =>
  withService(
    label,
    {
      PERSIST_TRANSCRIPTS_ENABLED: "false",
      RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "1000000",
      RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE: "1000000",
      ...(budget === undefined ? {} : { SESSION_MEMORY_MAX_BYTES: budget })
    },
    async (child): Promise<IngestRun> => {
      const before = await sample(child.process)
      const statuses: Record<number, number> = {}
      let next = 0
      const worker = async () => {
        while (next < INGESTS) {
          const status = await ingestOne(child.url, next++)
          statuses[status] = (statuses[status] ?? 0) + 1
        }
      }
      await Promise.all(Array.from({ length: INGEST_CONCURRENCY }, worker))
      await sleep(2000)
      const after = await sample(child.process)
      const metrics = await scrape(child)
      return {
        label,
        budget: budget === undefined ? "default" : budget,
        statuses,
        before,
        after,
        heldBytes: total(metrics, "coachup_session_memory_bytes"),
        sessions: total(metrics, "coachup_session_memory_sessions"),
        evictedForBytes: total(metrics, "coachup_session_memory_evictions_total", { reason: "bytes" })
      }
    }
  )

const describeCounts = (counts: Record<number, number>) =>
  Object.entries(counts)
    .map(([status, n]) => `${count(n)} × ${status}`)
    .join(", ")

try {
  console.log(`capacity-memory: node ${process.version}, data in ${dataDir}`)
  const stream = await streams()
  const accepted = stream.counts[200] ?? 0
  printTable(
    `1. ${count(ATTEMPTS)} chat stream attempts at once, one user each, silent model, default CHAT_MAX_STREAMS`,
    [
      "answers",
      "in",
      "open (gauge)",
      "refused (counter)",
      "RSS before",
      "RSS open",
      "RSS/stream",
      "RSS closed"
    ],
    [
      [
        describeCounts(stream.counts),
        `${stream.seconds.toFixed(1)} s`,
        count(stream.openGauge),
        count(stream.refusedGauge),
        bytes(stream.before.rss),
        bytes(stream.open.rss),
        bytes((stream.open.rss - stream.before.rss) / Math.max(accepted, 1)),
        bytes(stream.closed.rss)
      ]
    ]
  )
  const bounded = await ingests("bounded", undefined)
  const unbounded = await ingests("unbounded", UNBOUNDED_BYTES)
  printTable(
    `2. ${count(INGESTS)} ingests of ${count(TEXT_LENGTH)} characters over ${count(SESSIONS)} memory-only sessions`,
    [
      "SESSION_MEMORY_MAX_BYTES",
      "answers",
      "RSS before",
      "RSS after",
      "RSS growth",
      "heap before",
      "heap after",
      "held (gauge)",
      "sessions",
      "evicted: bytes"
    ],
    [bounded, unbounded].map((run) => [
      run.budget === "default" ? "default (64 MiB)" : "1 TiB (out of the way)",
      describeCounts(run.statuses),
      bytes(run.before.rss),
      bytes(run.after.rss),
      bytes(run.after.rss - run.before.rss),
      bytes(run.before.heapUsed),
      bytes(run.after.heapUsed),
      bytes(run.heldBytes),
      count(run.sessions),
      count(run.evictedForBytes)
    ])
  )
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
