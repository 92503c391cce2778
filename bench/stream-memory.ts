/**
 * Memory held per open, idle chat stream: the real service in a child process (`node
 * bootstrap/main.ts serve`, as `npm start` runs it) holding many GET /chat/stream responses whose
 * model has not yet sent its first word, next to a bare `node:http` server in a child process
 * holding as many open SSE responses. Each child runs with `--expose-gc` and bench/memory-probe.ts
 * preloaded, which answers an IPC request with `process.memoryUsage()` after a full collection.
 */
import { type ClientRequest, request } from "node:http"
import { setTimeout as sleep } from "node:timers/promises"
import { join } from "node:path"
import type { MemorySample } from "./memory-probe.ts"
import { STREAM_PATH, UNLIMITED } from "./chat-ttft.ts"
import { BASE_ENV, IDLE_STREAM_SERVICE_ENV, sample, spawnServer, stop } from "./child-service.ts"

export interface StreamMemoryOptions {
  readonly dataDir: string
  readonly streams: number
  /** Opened and closed before the first sample, so that first-use costs are not counted. */
  readonly warmupStreams: number
  /** Streams opened at once while filling up. */
  readonly batch: number
  /** Wait after the last stream opened, before sampling. */
  readonly settleMs: number
  /**
   * Warm up with one stream on each session measured, then wait `settleMs` for their teardown: what
   * the server keeps per session (its memory, caches) is then in the first sample, and the figure is
   * what an open stream holds.
   */
  readonly warmupOnMeasuredSessions?: boolean
}

export interface MemoryMeasurement {
  readonly streams: number
  /** After warm-up, no stream open. */
  readonly before: MemorySample
  /** With every stream open and idle. */
  readonly open: MemorySample
  /** After the client closed every stream. */
  readonly closed: MemorySample
  readonly rssPerStream: number
  readonly heapPerStream: number
  /** How the child stopped on SIGTERM. */
  readonly stopped: string
}

export interface StreamMemoryResult {
  readonly service: MemoryMeasurement
  readonly bare: MemoryMeasurement
}

interface OpenStream {
  readonly request: ClientRequest
  /** Whether the server ended or cut the stream. */
  readonly ended: () => boolean
}

/** One stream on its own connection; resolves at its first bytes of body. */
const openStream = (url: URL, sessionId: string) =>
  new Promise<OpenStream>((resolve, reject) => {
    let ended = false
    const req = request(
      url,
      { agent: false, headers: { accept: "text/event-stream", "x-session-id": sessionId } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume()
          reject(new Error(`stream ${sessionId}: status ${res.statusCode ?? 0}`))
          return
        }
        res.on("data", () => resolve({ request: req, ended: () => ended }))
        res.on("close", () => (ended = true))
        res.on("error", () => (ended = true))
      }
    )
    req.on("error", (error) => {
      ended = true
      reject(error)
    })
    req.end()
  })

const openMany = async (url: URL, prefix: string, count: number, batch: number) => {
  const open: Array<OpenStream> = []
  for (let first = 0; first < count; first += batch) {
    const size = Math.min(batch, count - first)
    open.push(
      ...(await Promise.all(
        Array.from({ length: size }, (_, i) => openStream(url, `${prefix}-${first + i}`))
      ))
    )
  }
  return open
}

const closeAll = (streams: ReadonlyArray<OpenStream>) => {
  for (const stream of streams) stream.request.destroy()
}

/** One server in a child process: memory before, with `options.streams` idle streams open, and after. */
export const measureIdleStreams = async (
  label: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  options: StreamMemoryOptions
): Promise<MemoryMeasurement> => {
  const child = await spawnServer(args, env)
  try {
    const url = new URL(STREAM_PATH, child.url)
    const reuse = options.warmupOnMeasuredSessions === true
    closeAll(
      await openMany(
        url,
        reuse ? `bench-memory-${label}` : `bench-memory-${label}-warmup`,
        reuse ? options.streams : options.warmupStreams,
        options.batch
      )
    )
    await sleep(reuse ? options.settleMs : 500)
    const before = await sample(child.process)
    const streams = await openMany(url, `bench-memory-${label}`, options.streams, options.batch)
    await sleep(options.settleMs)
    const open = await sample(child.process)
    const ended = streams.filter((stream) => stream.ended()).length
    if (ended > 0) throw new Error(`${label}: ${ended} of ${streams.length} streams ended before sampling`)
    closeAll(streams)
    await sleep(2000)
    const closed = await sample(child.process)
    return {
      streams: streams.length,
      before,
      open,
      closed,
      rssPerStream: (open.rss - before.rss) / streams.length,
      heapPerStream: (open.heapUsed - before.heapUsed) / streams.length,
      stopped: await stop(child.process)
    }
  } finally {
    if (child.process.exitCode === null && child.process.signalCode === null) await stop(child.process)
  }
}

export const benchStreamMemory = async (options: StreamMemoryOptions): Promise<StreamMemoryResult> => {
  const service = await measureIdleStreams(
    "service",
    ["bootstrap/main.ts", "serve"],
    {
      ...BASE_ENV,
      ...IDLE_STREAM_SERVICE_ENV,
      DATA_DIR: join(options.dataDir, "stream-memory"),
      ...Object.fromEntries(UNLIMITED)
    },
    options
  )
  const bare = await measureIdleStreams("bare", ["bench/bare-sse.ts", "hold"], BASE_ENV, options)
  return { service, bare }
}
