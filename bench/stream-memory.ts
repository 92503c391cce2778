/**
 * Memory held per open, idle chat stream: the real service in a child process (`node
 * bootstrap/main.ts serve`, as `npm start` runs it) holding many GET /chat/stream responses whose
 * model has not yet sent its first word, next to a bare `node:http` server in a child process
 * holding as many open SSE responses. Each child runs with `--expose-gc` and bench/memory-probe.ts
 * preloaded, which answers an IPC request with `process.memoryUsage()` after a full collection.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { type ClientRequest, request } from "node:http"
import { createInterface } from "node:readline"
import { setTimeout as sleep } from "node:timers/promises"
import { fileURLToPath } from "node:url"
import { join } from "node:path"
import type { MemorySample } from "./memory-probe.ts"
import { STREAM_PATH, UNLIMITED } from "./chat-ttft.ts"

export interface StreamMemoryOptions {
  readonly dataDir: string
  readonly streams: number
  /** Opened and closed before the first sample, so that first-use costs are not counted. */
  readonly warmupStreams: number
  /** Streams opened at once while filling up. */
  readonly batch: number
  /** Wait after the last stream opened, before sampling. */
  readonly settleMs: number
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

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const PROBE = new URL("./memory-probe.ts", import.meta.url).href
const STOP_TIMEOUT_MS = 15_000
/** The children get none of this shell's service configuration, only what is set below. */
const BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "" }

interface Child {
  readonly process: ChildProcess
  readonly url: string
}

/** Spawns `node <args>` with the probe; resolves once it logs `Listening on http://…`. */
const spawnServer = async (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Child> => {
  const child = spawn(process.execPath, ["--expose-gc", "--import", PROBE, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  const stdout = child.stdout
  if (stdout === null) throw new Error("child has no stdout")
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: stdout }).on("line", (line) => {
      let message: unknown
      try {
        message = (JSON.parse(line) as { readonly message?: unknown }).message
      } catch {
        return
      }
      const match = /^Listening on (http:\/\/\S+)$/.exec(String(message))
      if (match?.[1] !== undefined) resolve(match[1])
    })
    child.once("error", reject)
    child.once("exit", (code, signal) =>
      reject(new Error(`${args.join(" ")} exited before listening (${code ?? signal})`))
    )
  })
  return { process: child, url }
}

const sample = (child: ChildProcess) =>
  new Promise<MemorySample>((resolve, reject) => {
    child.once("message", (message) => resolve(message as MemorySample))
    child.send("memory", (error) => {
      if (error !== null) reject(error)
    })
  })

/** Closes the IPC channel, sends SIGTERM, and kills the child if it has not exited in time. */
const stop = async (child: ChildProcess): Promise<string> => {
  if (child.exitCode !== null || child.signalCode !== null) {
    return `had already exited (${child.exitCode ?? child.signalCode})`
  }
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>
  const started = performance.now()
  child.kill("SIGTERM")
  // The IPC channel would keep the child's event loop alive.
  if (child.connected) child.disconnect()
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS)
  const [code, signal] = await exited
  clearTimeout(timer)
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  return signal === "SIGKILL" ? `killed after ${seconds} s` : `exited ${code ?? signal} in ${seconds} s`
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

const measure = async (
  label: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv,
  options: StreamMemoryOptions
): Promise<MemoryMeasurement> => {
  const child = await spawnServer(args, env)
  try {
    const url = new URL(STREAM_PATH, child.url)
    closeAll(await openMany(url, `bench-memory-${label}-warmup`, options.warmupStreams, options.batch))
    await sleep(500)
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
  const service = await measure(
    "service",
    ["bootstrap/main.ts", "serve"],
    {
      ...BASE_ENV,
      // Empty counts as unset: the SQLite stores, never a Convex deployment.
      CONVEX_URL: "",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: join(options.dataDir, "stream-memory"),
      // INFO: the address is logged at INFO.
      LOG_LEVEL: "INFO",
      SHUTDOWN_DRAIN_SECONDS: "1",
      LLM_PROVIDER: "offline",
      // The model sleeps this long before each word, the first included: every stream stays open and
      // idle after `start` and `text-start`, well inside the idle and turn timeouts.
      OFFLINE_TOKEN_DELAY_MS: "600000",
      CHAT_IDLE_TIMEOUT_MS: "900000",
      CHAT_TURN_TIMEOUT_MS: "900000",
      ...Object.fromEntries(UNLIMITED)
    },
    options
  )
  const bare = await measure("bare", ["bench/bare-sse.ts", "hold"], BASE_ENV, options)
  return { service, bare }
}
