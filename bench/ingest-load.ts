/**
 * The ingest load generator, run in a worker thread or a child process so the client does not share
 * the server's event loop. Keeps `concurrency` POST /messages/ingest requests in flight over a
 * keep-alive pool. As a child process (`fork` with advanced serialization) it answers each options
 * message with the result and the CPU time it spent on it.
 */
import { Agent, request } from "node:http"
import { performance } from "node:perf_hooks"
import { parentPort, workerData } from "node:worker_threads"

export interface LoadOptions {
  readonly url: string
  /** Distinguishes messageIds between runs against the same store (warm-up, measured). */
  readonly runId: string
  readonly requests: number
  readonly concurrency: number
  readonly sessions: number
}

export interface LoadResult {
  /** Per-request latency in milliseconds, in completion order. */
  readonly latencies: Float64Array<ArrayBuffer>
  readonly elapsedMs: number
  readonly failures: number
  readonly firstFailure: string | null
}

/** What a child process answers: the load's result and its own CPU time over the run. */
export interface ChildLoadResult {
  readonly result: LoadResult
  readonly cpuMs: number
}

const post = (agent: Agent, url: URL, body: string) =>
  new Promise<{ readonly status: number; readonly body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
      },
      (res) => {
        const chunks: Array<Buffer> = []
        res.on("data", (chunk: Buffer) => chunks.push(chunk))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
        res.on("error", reject)
      }
    )
    req.on("error", reject)
    req.end(body)
  })

const run = async (options: LoadOptions): Promise<LoadResult> => {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency })
  const url = new URL("/messages/ingest", options.url)
  const latencies = new Float64Array(options.requests)
  const baseTs = Date.now()
  let next = 0
  let done = 0
  let failures = 0
  let firstFailure: string | null = null

  const lane = async () => {
    while (next < options.requests) {
      const i = next++
      const body = JSON.stringify({
        sessionId: `bench-ingest-${i % options.sessions}`,
        messageId: `${options.runId}-${i}`,
        role: i % 2 === 0 ? "user" : "assistant",
        text: `Benchmark message ${i}: how did that sound when I asked for the raise?`,
        ts: baseTs + i
      })
      const start = performance.now()
      try {
        const response = await post(agent, url, body)
        if (response.status !== 200 || !response.body.includes('"persisted":true')) {
          failures++
          firstFailure ??= `${response.status} ${response.body.slice(0, 200)}`
        }
      } catch (error) {
        failures++
        firstFailure ??= error instanceof Error ? error.message : String(error)
      }
      latencies[done++] = performance.now() - start
    }
  }

  const start = performance.now()
  await Promise.all(Array.from({ length: options.concurrency }, lane))
  const elapsedMs = performance.now() - start
  agent.destroy()
  return { latencies, elapsedMs, failures, firstFailure }
}

if (parentPort !== null) {
  const port = parentPort
  const result = await run(workerData as LoadOptions)
  port.postMessage(result, [result.latencies.buffer])
} else if (process.send !== undefined) {
  const send = process.send.bind(process)
  process.on("message", (options: LoadOptions) => {
    const before = process.cpuUsage()
    void run(options).then((result) => {
      const { user, system } = process.cpuUsage(before)
      const answer: ChildLoadResult = { result, cpuMs: (user + system) / 1000 }
      send(answer)
    })
  })
  process.once("disconnect", () => process.exit(0))
}
