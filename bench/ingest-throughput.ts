/**
 * Ingest throughput: POST /messages/ingest against the real service (SQLite stores, in-process,
 * port 0), next to raw `node:sqlite` inserts into the same table, one autocommit statement each
 * (the service commits once per request too).
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { DatabaseSync } from "node:sqlite"
import { Worker } from "node:worker_threads"
import { migrate } from "../adapters/sqlite/migrations.ts"
import { startInProcessService } from "./in-process-service.ts"
import type { LoadOptions, LoadResult } from "./ingest-load.ts"
import { type LatencySummary, summarize } from "./stats.ts"

export interface IngestOptions {
  readonly dataDir: string
  readonly requests: number
  readonly warmupRequests: number
  readonly concurrency: number
  readonly sessions: number
}

export interface IngestResult {
  readonly http: {
    readonly requests: number
    readonly concurrency: number
    readonly perSecond: number
    readonly latency: LatencySummary
  }
  readonly raw: { readonly inserts: number; readonly perSecond: number; readonly latency: LatencySummary }
  /** HTTP requests/s over raw inserts/s. */
  readonly ratio: number
}

/** The limits would turn most of the load into 429s: raised out of the way. */
const startService = (dataDir: string) =>
  startInProcessService(dataDir, [
    ["RATE_LIMIT_INGEST_PER_USER_PER_MINUTE", "1000000"],
    ["RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE", "1000000"]
  ])

const drive = (options: LoadOptions) =>
  new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL("./ingest-load.ts", import.meta.url), { workerData: options })
    worker.once("message", (result: LoadResult) => resolve(result))
    worker.once("error", reject)
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load worker exited with code ${code}`))
    })
  })

const benchHttp = async (options: IngestOptions) => {
  const { url, close } = await startService(options.dataDir)
  try {
    const load = (runId: string, requests: number) =>
      drive({ url, runId, requests, concurrency: options.concurrency, sessions: options.sessions })
    await load("warmup", options.warmupRequests)
    const result = await load("measured", options.requests)
    if (result.failures > 0) {
      throw new Error(`${result.failures} ingest requests failed; first: ${result.firstFailure ?? "?"}`)
    }
    return {
      requests: options.requests,
      concurrency: options.concurrency,
      perSecond: options.requests / (result.elapsedMs / 1000),
      latency: summarize(result.latencies)
    }
  } finally {
    await close()
  }
}

/** The same schema and pragmas as the adapter's database (adapters/sqlite/database.ts). */
const openRaw = (filename: string) => {
  const db = new DatabaseSync(filename)
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 0;")
  migrate(db)
  return db
}

const benchRaw = (options: IngestOptions) => {
  const db = openRaw(join(options.dataDir, "raw-baseline.sqlite"))
  try {
    const insert = db.prepare(
      `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url,
         status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`
    )
    const baseTs = Date.now()
    const hash = "0".repeat(64)
    // A running number keeps messageId and the per-session seq unique across warm-up and measurement.
    let n = 0
    const insertOne = () => {
      const i = n++
      const assistant = i % 2 === 1
      insert.run(
        `raw-${i}`,
        `bench-ingest-${i % options.sessions}`,
        i + 1,
        baseTs + i,
        assistant ? "assistant" : "user",
        `Benchmark message ${i}: how did that sound when I asked for the raise?`,
        hash,
        assistant ? "completed" : null,
        baseTs
      )
    }
    for (let i = 0; i < options.warmupRequests; i++) insertOne()
    const latencies = new Float64Array(options.requests)
    const start = performance.now()
    for (let i = 0; i < options.requests; i++) {
      const before = performance.now()
      insertOne()
      latencies[i] = performance.now() - before
    }
    const elapsedMs = performance.now() - start
    return {
      inserts: options.requests,
      perSecond: options.requests / (elapsedMs / 1000),
      latency: summarize(latencies)
    }
  } finally {
    db.close()
  }
}

export const benchIngestThroughput = async (options: IngestOptions): Promise<IngestResult> => {
  const raw = benchRaw(options)
  const http = await benchHttp(options)
  return { http, raw, ratio: http.perSecond / raw.perSecond }
}
