/**
 * Window and page reads over HTTP as one session grows: GET /sessions/:id/context?for=chat (the
 * last 20 messages) and GET /sessions/:id/messages?order=desc (the newest page of 50), from the real
 * service (`node bootstrap/main.ts serve`) and from the bare `node:http` server (bench/bare-chat.ts)
 * on the same SQLite file, each a fresh child process, taking turns for `rounds` rounds. The session
 * is written straight into the file, in one transaction, before any server starts. Requests are
 * sequential on one kept-alive connection, each timed from request to the end of its body.
 */
import { mkdirSync } from "node:fs"
import { Agent, request } from "node:http"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { DatabaseSync } from "node:sqlite"
import { migrate } from "../adapters/sqlite/migrations.ts"
import { transaction } from "../adapters/sqlite/transaction.ts"
import { LOCAL_USER } from "../adapters/http/authentication/local.ts"
import { BASE_ENV, IDLE_STREAM_SERVICE_ENV, spawnServer, stop } from "./child-service.ts"
import { type LatencySummary, summarize } from "./stats.ts"

export interface ReadBaselineOptions {
  readonly dataDir: string
  /** Session sizes, ascending. */
  readonly sizes: ReadonlyArray<number>
  readonly rounds: number
  /** Timed requests per read, server and round, after `warmup` untimed ones. */
  readonly iterations: number
  readonly warmup: number
}

export interface ReadLatencies {
  readonly window: LatencySummary
  readonly page: LatencySummary
}

export interface ReadBaselineRow {
  readonly size: number
  readonly bare: ReadLatencies
  readonly service: ReadLatencies
}

type Target = "bare" | "service"

const SESSION = "bench-reads"
const PATHS = {
  window: `/sessions/${SESSION}/context?for=chat`,
  page: `/sessions/${SESSION}/messages?order=desc&limit=50`
}

/** One session of `size` messages, owned by the local user, written into a new store file. */
const seed = (filename: string, size: number) => {
  const db = new DatabaseSync(filename)
  try {
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
    migrate(db)
    const insert = db.prepare(
      `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    )
    const now = Date.now()
    const first = now - size * 1000
    const hash = "0".repeat(64)
    transaction(db, () => {
      for (let i = 0; i < size; i++) {
        const assistant = i % 2 === 1
        insert.run(
          `${SESSION}-${i}`,
          SESSION,
          i + 1,
          first + i * 1000,
          assistant ? "assistant" : "user",
          `Message ${i} of a practice conversation about asking for a raise, long enough to look real.`,
          hash,
          assistant ? "completed" : null,
          now
        )
      }
      db.prepare(
        `INSERT INTO session_owners (session_id, owner, claimed_at, last_activity_at, message_count)
         VALUES (?, ?, ?, ?, ?)`
      ).run(SESSION, LOCAL_USER, first, now, size)
    })
  } finally {
    db.close()
  }
}

const get = (agent: Agent, url: URL) =>
  new Promise<void>((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume()
      res.on("end", () =>
        res.statusCode === 200
          ? resolve()
          : reject(new Error(`${url.pathname}: status ${res.statusCode ?? 0}`))
      )
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end()
  })

const timeReads = async (agent: Agent, url: URL, options: ReadBaselineOptions) => {
  for (let i = 0; i < options.warmup; i++) await get(agent, url)
  const samples = new Float64Array(options.iterations)
  for (let i = 0; i < options.iterations; i++) {
    const start = performance.now()
    await get(agent, url)
    samples[i] = performance.now() - start
  }
  return samples
}

const measure = async (target: Target, dataDir: string, options: ReadBaselineOptions) => {
  const child = await spawnServer(
    target === "bare" ? ["bench/bare-chat.ts"] : ["bootstrap/main.ts", "serve"],
    {
      ...BASE_ENV,
      ...IDLE_STREAM_SERVICE_ENV,
      DATA_DIR: dataDir
    }
  )
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    return {
      window: await timeReads(agent, new URL(PATHS.window, child.url), options),
      page: await timeReads(agent, new URL(PATHS.page, child.url), options)
    }
  } finally {
    agent.destroy()
    await stop(child.process)
  }
}

export const benchReadBaselines = async (options: ReadBaselineOptions): Promise<Array<ReadBaselineRow>> => {
  const rows: Array<ReadBaselineRow> = []
  for (const size of options.sizes) {
    const dataDir = join(options.dataDir, `reads-${size}`)
    mkdirSync(dataDir, { recursive: true })
    seed(join(dataDir, "coachup.sqlite"), size)
    const samples: Record<Target, Array<{ window: Float64Array; page: Float64Array }>> = {
      bare: [],
      service: []
    }
    for (let round = 0; round < options.rounds; round++) {
      const order: ReadonlyArray<Target> = round % 2 === 0 ? ["bare", "service"] : ["service", "bare"]
      for (const target of order) samples[target].push(await measure(target, dataDir, options))
    }
    const latencies = (target: Target): ReadLatencies => ({
      window: summarize(Float64Array.from(samples[target].flatMap((round) => [...round.window]))),
      page: summarize(Float64Array.from(samples[target].flatMap((round) => [...round.page])))
    })
    rows.push({ size, bare: latencies("bare"), service: latencies("service") })
  }
  return rows
}
