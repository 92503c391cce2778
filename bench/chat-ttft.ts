/**
 * Time to first token of GET /chat/stream: the real service (SQLite stores, offline model with no
 * token delay, in-process, port 0) next to a bare `node:http` SSE server that writes one
 * text-delta event at once, both driven by the same client in a worker thread.
 *
 * With no token delay the offline model yields its whole reply without an I/O boundary, and Node
 * flushes a response's writes only once the fiber running it lets the event loop turn: the first
 * text-delta then reaches the client with the last one. A second, single-stream measurement paces
 * the model (a short sleep before each word, as a networked model would arrive) and closes each
 * stream at its first text-delta, to show the time before the first word on its own.
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
  /** The single-stream measurement with a paced model; streams closed at their first text-delta. */
  readonly paced: { readonly tokenDelayMs: number; readonly warmupRounds: number; readonly rounds: number }
}

export interface TtftRow {
  readonly streams: number
  readonly service: LatencySummary
  /** The service's streams, from first text-delta to their end. */
  readonly serviceTail: LatencySummary
  readonly bare: LatencySummary
}

export interface TtftResult {
  /** Offline model with no token delay, each stream read to its end. */
  readonly rows: ReadonlyArray<TtftRow>
  readonly paced: TtftRow & { readonly tokenDelayMs: number }
}

export const STREAM_PATH = `/chat/stream?prompt=${encodeURIComponent("How do I ask my manager for a raise?")}`

/** Limits that would turn the load into 429s, raised out of the way. */
export const UNLIMITED = [
  ["RATE_LIMIT_CHAT_PER_USER_PER_MINUTE", "1000000"],
  ["RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE", "1000000"]
] as const

const startService = (dataDir: string, tokenDelayMs: number) =>
  startInProcessService(dataDir, [
    ["LLM_PROVIDER", "offline"],
    ["OFFLINE_TOKEN_DELAY_MS", String(tokenDelayMs)],
    ...UNLIMITED
  ])

const drive = (options: SseLoadOptions) =>
  new Promise<SseLoadResult>((resolve, reject) => {
    const worker = new Worker(new URL("./sse-load.ts", import.meta.url), { workerData: options })
    worker.once("message", (result: SseLoadResult) => resolve(result))
    worker.once("error", reject)
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`SSE load worker exited with code ${code}`))
    })
  })

interface Mode {
  readonly closeAfterFirstDelta: boolean
  /** Between rounds, so that a closed stream's bookkeeping does not overlap the next round. */
  readonly pauseMs: number
}

const READ_TO_END: Mode = { closeAfterFirstDelta: false, pauseMs: 0 }
const CLOSE_AT_FIRST_DELTA: Mode = { closeAfterFirstDelta: true, pauseMs: 10 }

const measure = async (target: string, baseUrl: string, level: TtftLevel, mode: Mode) => {
  const result = await drive({
    url: new URL(STREAM_PATH, baseUrl).href,
    sessionPrefix: `bench-ttft-${target}-${level.streams}`,
    concurrency: level.streams,
    warmupRounds: level.warmupRounds,
    rounds: level.rounds,
    timeoutMs: 30_000,
    ...mode
  })
  if (result.failures > 0) {
    throw new Error(`${result.failures} ${target} streams failed; first: ${result.firstFailure ?? "?"}`)
  }
  return { latency: summarize(result.latencies), tail: summarize(result.tails) }
}

const withService = async <A>(
  dataDir: string,
  tokenDelayMs: number,
  use: (url: string) => Promise<A>
): Promise<A> => {
  const service = await startService(dataDir, tokenDelayMs)
  try {
    return await use(service.url)
  } finally {
    await service.close()
  }
}

export const benchChatTtft = async (options: TtftOptions): Promise<TtftResult> => {
  const bare = await startBareSse({ hold: false })
  try {
    // Baseline and service take turns at each level, so drift over the run touches both alike.
    const rows = await withService(join(options.dataDir, "chat-ttft"), 0, async (url) => {
      const measured: Array<TtftRow> = []
      for (const level of options.levels) {
        const bareResult = await measure("bare", bare.url, level, READ_TO_END)
        const serviceResult = await measure("service", url, level, READ_TO_END)
        measured.push({
          streams: level.streams,
          service: serviceResult.latency,
          serviceTail: serviceResult.tail,
          bare: bareResult.latency
        })
      }
      return measured
    })
    const { tokenDelayMs, ...rounds } = options.paced
    const level = { streams: 1, ...rounds }
    const paced = await withService(join(options.dataDir, "chat-ttft-paced"), tokenDelayMs, async (url) => {
      const bareResult = await measure("bare-paced", bare.url, level, CLOSE_AT_FIRST_DELTA)
      const serviceResult = await measure("service-paced", url, level, CLOSE_AT_FIRST_DELTA)
      return {
        streams: 1,
        tokenDelayMs,
        service: serviceResult.latency,
        serviceTail: serviceResult.tail,
        bare: bareResult.latency
      }
    })
    return { rows, paced }
  } finally {
    await bare.close()
  }
}
