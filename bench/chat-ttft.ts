/**
 * Time to first token of GET /chat/stream: the real service (SQLite stores, offline model with no
 * token delay, in-process, port 0) next to a bare `node:http` SSE server that writes one
 * text-delta event at once, both driven by the same client in a worker thread. Each stream is read
 * to its end, so its tail (first text-delta to end) shows whether the reply arrives as it is made
 * or in one piece.
 */
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { startInProcessService } from "./in-process-service.ts"
import { startBareSse } from "./bare-sse.ts"
import type { SseLoadOptions, SseLoadResult } from "./sse-load.ts"
import { type LatencySummary, summarize } from "./stats.ts"

export interface TtftLevel {
  /** Streams opened at once, each on its own connection. */
  readonly streams: number
  readonly warmupRounds: number
  readonly rounds: number
}

export interface TtftOptions {
  readonly dataDir: string
  readonly levels: ReadonlyArray<TtftLevel>
}

export interface TtftRow {
  readonly streams: number
  readonly service: LatencySummary
  /** The service's streams, from first text-delta to their end. */
  readonly serviceTail: LatencySummary
  readonly bare: LatencySummary
}

export const STREAM_PATH = `/chat/stream?prompt=${encodeURIComponent("How do I ask my manager for a raise?")}`

/** Limits that would turn the load into 429s and 503s (one user, many streams), raised out of the way. */
export const UNLIMITED = [
  ["RATE_LIMIT_CHAT_PER_USER_PER_MINUTE", "1000000"],
  ["RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE", "1000000"],
  ["CHAT_MAX_STREAMS", "1000000"],
  ["CHAT_MAX_STREAMS_PER_USER", "1000000"]
] as const

const startService = (dataDir: string) =>
  startInProcessService(dataDir, [["LLM_PROVIDER", "offline"], ["OFFLINE_TOKEN_DELAY_MS", "0"], ...UNLIMITED])

/** Runs the SSE load client in a worker thread. */
export const drive = (options: SseLoadOptions) =>
  new Promise<SseLoadResult>((resolve, reject) => {
    const worker = new Worker(new URL("./sse-load.ts", import.meta.url), { workerData: options })
    worker.once("message", (result: SseLoadResult) => resolve(result))
    worker.once("error", reject)
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`SSE load worker exited with code ${code}`))
    })
  })

const measure = async (target: string, baseUrl: string, level: TtftLevel) => {
  const result = await drive({
    url: new URL(STREAM_PATH, baseUrl).href,
    sessionPrefix: `bench-ttft-${target}-${level.streams}`,
    concurrency: level.streams,
    warmupRounds: level.warmupRounds,
    rounds: level.rounds,
    timeoutMs: 30_000
  })
  if (result.failures > 0) {
    throw new Error(`${result.failures} ${target} streams failed; first: ${result.firstFailure ?? "?"}`)
  }
  return { latency: summarize(result.latencies), tail: summarize(result.tails) }
}

export const benchChatTtft = async (options: TtftOptions): Promise<ReadonlyArray<TtftRow>> => {
  const bare = await startBareSse({ hold: false })
  const service = await startService(join(options.dataDir, "chat-ttft"))
  try {
    // Baseline and service take turns at each level, so drift over the run touches both alike.
    const rows: Array<TtftRow> = []
    for (const level of options.levels) {
      const bareResult = await measure("bare", bare.url, level)
      const serviceResult = await measure("service", service.url, level)
      rows.push({
        streams: level.streams,
        service: serviceResult.latency,
        serviceTail: serviceResult.tail,
        bare: bareResult.latency
      })
    }
    return rows
  } finally {
    await service.close()
    await bare.close()
  }
}
