/**
 * The chat-stream load client, run in a worker thread so it does not share the server's event
 * loop. Each round opens `concurrency` SSE streams at once, each on its own connection (no agent:
 * a shared socket would queue the requests), and times each from just before its request to the
 * first `"type":"text-delta"` in its bytes; the round ends when every stream has ended.
 */
import { request } from "node:http"
import { performance } from "node:perf_hooks"
import { parentPort, workerData } from "node:worker_threads"

export interface SseLoadOptions {
  /** The stream URL, query included. */
  readonly url: string
  /** Each stream's `x-session-id` is `${sessionPrefix}-${round}-${index}`. */
  readonly sessionPrefix: string
  readonly concurrency: number
  /** Untimed rounds first. */
  readonly warmupRounds: number
  readonly rounds: number
  /** A stream with no text-delta, or not ended, after this long fails. */
  readonly timeoutMs: number
}

export interface SseLoadResult {
  /** Milliseconds from request to first text-delta, one per successful timed stream. */
  readonly latencies: Float64Array<ArrayBuffer>
  /** Milliseconds from first text-delta to the stream's end, same order. */
  readonly tails: Float64Array<ArrayBuffer>
  readonly failures: number
  readonly firstFailure: string | null
}

const MARKER = '"type":"text-delta"'

interface Timing {
  readonly firstDelta: number
  readonly tail: number
}

/** One stream: resolves with its timing once it has ended (or been closed), or rejects. */
const stream = (url: URL, sessionId: string, options: SseLoadOptions) =>
  new Promise<Timing>((resolve, reject) => {
    let firstDelta: number | null = null
    let seen = ""
    const start = performance.now()
    const req = request(
      url,
      { agent: false, headers: { accept: "text/event-stream", "x-session-id": sessionId } },
      (res) => {
        if (res.statusCode !== 200) {
          let body = ""
          res.setEncoding("utf8")
          res.on("data", (chunk: string) => (body += chunk))
          res.on("end", () => reject(new Error(`${res.statusCode ?? 0} ${body.slice(0, 200)}`)))
          return
        }
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => {
          if (firstDelta !== null) return
          seen += chunk
          if (seen.includes(MARKER)) {
            firstDelta = performance.now() - start
            seen = ""
          }
        })
        res.on("end", () =>
          firstDelta === null
            ? reject(new Error("stream ended without a text-delta"))
            : resolve({ firstDelta, tail: performance.now() - start - firstDelta })
        )
        res.on("error", reject)
      }
    )
    req.setTimeout(options.timeoutMs, () =>
      req.destroy(new Error(`no complete stream in ${options.timeoutMs} ms`))
    )
    req.on("error", reject)
    req.end()
  })

const run = async (options: SseLoadOptions): Promise<SseLoadResult> => {
  const url = new URL(options.url)
  const latencies = new Float64Array(options.rounds * options.concurrency)
  const tails = new Float64Array(options.rounds * options.concurrency)
  let samples = 0
  let failures = 0
  let firstFailure: string | null = null
  for (let round = -options.warmupRounds; round < options.rounds; round++) {
    const streams = Array.from({ length: options.concurrency }, (_, index) =>
      stream(url, `${options.sessionPrefix}-${round}-${index}`, options)
    )
    for (const outcome of await Promise.allSettled(streams)) {
      if (outcome.status === "rejected") {
        failures++
        firstFailure ??= outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      } else if (round >= 0) {
        latencies[samples] = outcome.value.firstDelta
        tails[samples++] = outcome.value.tail
      }
    }
  }
  return { latencies: latencies.slice(0, samples), tails: tails.slice(0, samples), failures, firstFailure }
}

if (parentPort !== null) {
  const port = parentPort
  const result = await run(workerData as SseLoadOptions)
  port.postMessage(result, [result.latencies.buffer, result.tails.buffer])
}
