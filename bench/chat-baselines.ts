/**
 * A chat turn against its baseline: the real service (`node bootstrap/main.ts serve`, SQLite, offline
 * model) and the bare `node:http` chat server (bench/bare-chat.ts), each a fresh child process for
 * every round, taking turns for `rounds` rounds so that drift touches both alike. Each round measures
 * the server's CPU per turn (from `/proc/<pid>/stat`, sequential turns on a few sessions with full
 * windows), time to first text-delta for one stream and for many concurrent streams (client in a
 * worker thread, one connection per stream), and RSS per open idle stream (a server started with a
 * model that waits before its first word).
 */
import { mkdirSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { drive, STREAM_PATH, UNLIMITED } from "./chat-ttft.ts"
import { BASE_ENV, IDLE_STREAM_SERVICE_ENV, spawnServer, stop } from "./child-service.ts"
import { cpuMillis } from "./process-cpu.ts"
import { type LatencySummary, summarize } from "./stats.ts"
import { measureIdleStreams, type MemoryMeasurement, type StreamMemoryOptions } from "./stream-memory.ts"

export interface ChatBaselineOptions {
  readonly dataDir: string
  readonly rounds: number
  /** Sequential turns timed for CPU, after `warmupTurns`, spread over `sessions` sessions. */
  readonly turns: number
  readonly warmupTurns: number
  readonly sessions: number
  /** Rounds of one stream, then rounds of `concurrentStreams` at once (each after its warm-up). */
  readonly singleRounds: number
  readonly concurrentStreams: number
  readonly concurrentRounds: number
  readonly idle: Omit<StreamMemoryOptions, "dataDir">
  /**
   * The same turns with the model's words `tokenDelayMs` apart, as a model streaming over time sends
   * them: first text-delta for `concurrentStreams` at once (`concurrentRounds`, after `warmupRounds`
   * of them), then CPU per turn over `turns` after `warmupTurns`. Every other measure has the whole
   * reply ready at once.
   */
  readonly paced: {
    readonly tokenDelayMs: number
    readonly warmupRounds: number
    readonly turns: number
    readonly warmupTurns: number
  }
}

export interface ChatServerFigures {
  /** CPU milliseconds per turn, one per round. */
  readonly cpuPerTurn: ReadonlyArray<number>
  /** Text deltas in one turn's stream. */
  readonly deltas: number
  /** First text-delta, every round's samples together. */
  readonly single: LatencySummary
  readonly concurrent: LatencySummary
  readonly idle: ReadonlyArray<MemoryMeasurement>
  /**
   * With the words paced (`ChatBaselineOptions.paced`): CPU per turn by round, concurrent first
   * text-delta, and the streams that failed, as above.
   */
  readonly paced: {
    readonly cpuPerTurn: ReadonlyArray<number>
    readonly concurrent: LatencySummary
    readonly failed: number
    readonly failures: ReadonlyArray<string>
  }
  /** Streams that failed or timed out, left out of the latencies; the first failure of each round. */
  readonly failed: number
  readonly failures: ReadonlyArray<string>
}

export interface ChatBaselineResult {
  readonly bare: ChatServerFigures
  readonly service: ChatServerFigures
}

type Target = "bare" | "service"

const TEXT_DELTA = /"type":"text-delta"/g

/** One turn on its own connection, read to its end; answers the number of text deltas it carried. */
export const chatTurn = (url: URL, sessionId: string) =>
  new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      { agent: false, headers: { accept: "text/event-stream", "x-session-id": sessionId } },
      (res) => {
        let body = ""
        res.setEncoding("utf8")
        res.on("data", (chunk: string) => (body += chunk))
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(body.match(TEXT_DELTA)?.length ?? 0)
            : reject(new Error(`chat turn: ${res.statusCode ?? 0} ${body.slice(0, 200)}`))
        )
        res.on("error", reject)
      }
    )
    req.on("error", reject)
    req.end()
  })

const serverArgs = (target: Target) =>
  target === "bare" ? ["bench/bare-chat.ts"] : ["bootstrap/main.ts", "serve"]

const serverEnv = (target: Target, dataDir: string, tokenDelayMs: number): NodeJS.ProcessEnv => ({
  ...BASE_ENV,
  ...IDLE_STREAM_SERVICE_ENV,
  ...Object.fromEntries(UNLIMITED),
  OFFLINE_TOKEN_DELAY_MS: String(tokenDelayMs),
  DATA_DIR: join(dataDir, target)
})

/** Sequential turns on the server at `url`, `options.sessions` sessions taking turns; answers the last turn's text deltas. */
const turnsOn = async (url: URL, target: Target, options: ChatBaselineOptions, count: number) => {
  let deltas = 0
  for (let i = 0; i < count; i++) deltas = await chatTurn(url, `bench-turn-${target}-${i % options.sessions}`)
  return deltas
}

/** The server's CPU per turn over `turns` sequential turns after `warmupTurns`, and the last turn's text deltas. */
const cpuPerTurnOn = async (
  url: URL,
  pid: number,
  target: Target,
  options: ChatBaselineOptions,
  turns: Pick<ChatBaselineOptions, "turns" | "warmupTurns">
) => {
  await turnsOn(url, target, options, turns.warmupTurns)
  const cpuBefore = cpuMillis(pid)
  const deltas = await turnsOn(url, target, options, turns.turns)
  return { cpuPerTurn: (cpuMillis(pid) - cpuBefore) / turns.turns, deltas }
}

/** A fresh child of `target` whose model sends its words `tokenDelayMs` apart, given to `use`, then stopped. */
const withServer = async <A>(
  target: Target,
  dataDir: string,
  tokenDelayMs: number,
  use: (url: URL, pid: number) => Promise<A>
) => {
  mkdirSync(join(dataDir, target), { recursive: true })
  const child = await spawnServer(serverArgs(target), serverEnv(target, dataDir, tokenDelayMs))
  try {
    const pid = child.process.pid
    if (pid === undefined) throw new Error(`${target} has no pid`)
    return await use(new URL(STREAM_PATH, child.url), pid)
  } finally {
    await stop(child.process)
  }
}

/** Streams `streams` at a time for `rounds` rounds after `warmupRounds`; failures are counted in `failures`. */
const loadOn = async (
  url: URL,
  sessionPrefix: string,
  streams: number,
  rounds: { readonly rounds: number; readonly warmupRounds: number },
  failures: { failed: number; readonly first: Array<string> }
) => {
  const result = await drive({
    url: url.href,
    sessionPrefix,
    concurrency: streams,
    ...rounds,
    timeoutMs: 120_000
  })
  if (result.firstFailure !== null) failures.first.push(result.firstFailure)
  failures.failed += result.failures
  return result.latencies
}

const measureRound = (target: Target, round: number, options: ChatBaselineOptions) =>
  withServer(target, join(options.dataDir, `chat-baselines-${round}`), 0, async (url, pid) => {
    const { cpuPerTurn, deltas } = await cpuPerTurnOn(url, pid, target, options, options)
    // A stream that fails is counted and left out of the latencies; the table says how many.
    const failures = { failed: 0, first: new Array<string>() }
    const prefix = `bench-baseline-${target}-${round}`
    const single = await loadOn(
      url,
      `${prefix}-1`,
      1,
      { rounds: options.singleRounds, warmupRounds: 1 },
      failures
    )
    const concurrent = await loadOn(
      url,
      `${prefix}-${options.concurrentStreams}`,
      options.concurrentStreams,
      { rounds: options.concurrentRounds, warmupRounds: 1 },
      failures
    )
    return { cpuPerTurn, deltas, single, concurrent, failed: failures.failed, failures: failures.first }
  })

const measurePaced = (target: Target, round: number, options: ChatBaselineOptions) =>
  withServer(
    target,
    join(options.dataDir, `chat-paced-${round}`),
    options.paced.tokenDelayMs,
    async (url, pid) => {
      // Warmed up by concurrent rounds first: sequential turns some 60 ms long would take minutes to
      // bring the process to the steady state the turns above meet.
      const failures = { failed: 0, first: new Array<string>() }
      const concurrent = await loadOn(
        url,
        `bench-paced-${target}-${round}-${options.concurrentStreams}`,
        options.concurrentStreams,
        { rounds: options.concurrentRounds, warmupRounds: options.paced.warmupRounds },
        failures
      )
      const { cpuPerTurn } = await cpuPerTurnOn(url, pid, target, options, options.paced)
      return { cpuPerTurn, concurrent, failed: failures.failed, failures: failures.first }
    }
  )

const measureIdle = (target: Target, round: number, options: ChatBaselineOptions) => {
  const dataDir = join(options.dataDir, `chat-idle-${round}`)
  mkdirSync(join(dataDir, target), { recursive: true })
  return measureIdleStreams(
    `${target}-${round}`,
    serverArgs(target),
    serverEnv(target, dataDir, Number(IDLE_STREAM_SERVICE_ENV.OFFLINE_TOKEN_DELAY_MS)),
    { ...options.idle, dataDir }
  )
}

const concat = (arrays: ReadonlyArray<Float64Array>) =>
  Float64Array.from(arrays.flatMap((array) => [...array]))

export const benchChatBaselines = async (options: ChatBaselineOptions): Promise<ChatBaselineResult> => {
  const rounds: Record<Target, Array<Awaited<ReturnType<typeof measureRound>>>> = { bare: [], service: [] }
  const paced: Record<Target, Array<Awaited<ReturnType<typeof measurePaced>>>> = { bare: [], service: [] }
  const idle: Record<Target, Array<MemoryMeasurement>> = { bare: [], service: [] }
  for (let round = 0; round < options.rounds; round++) {
    // Who goes first alternates, so that neither always meets a warmer or colder machine.
    const order: ReadonlyArray<Target> = round % 2 === 0 ? ["bare", "service"] : ["service", "bare"]
    for (const target of order) rounds[target].push(await measureRound(target, round, options))
    for (const target of order) paced[target].push(await measurePaced(target, round, options))
    for (const target of order) idle[target].push(await measureIdle(target, round, options))
  }
  const figures = (target: Target): ChatServerFigures => ({
    cpuPerTurn: rounds[target].map((round) => round.cpuPerTurn),
    deltas: rounds[target][0]?.deltas ?? 0,
    single: summarize(concat(rounds[target].map((round) => round.single))),
    concurrent: summarize(concat(rounds[target].map((round) => round.concurrent))),
    idle: idle[target],
    paced: {
      cpuPerTurn: paced[target].map((round) => round.cpuPerTurn),
      concurrent: summarize(concat(paced[target].map((round) => round.concurrent))),
      failed: paced[target].reduce((sum, round) => sum + round.failed, 0),
      failures: paced[target].flatMap((round) => round.failures)
    },
    failed: rounds[target].reduce((sum, round) => sum + round.failed, 0),
    failures: rounds[target].flatMap((round) => round.failures)
  })
  return { bare: figures("bare"), service: figures("service") }
}
