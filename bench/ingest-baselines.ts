/**
 * Ingest against its baselines, each a server of its own in a child process, started fresh for every
 * round and interleaved with the service: a bare `node:http` + `node:sqlite` server, a minimal Effect
 * `HttpApi` server and, when `/usr/bin/python3` has FastAPI and uvicorn, the FastAPI peer, all making
 * the same write (bench/baselines/), and the service as `npm start` runs it (embedded SQLite,
 * classification included). The load comes from another child process; CPU per request is the
 * server process's utime + stime over the measured run. `node bench/ingest-baselines.ts` runs this
 * part alone.
 */
import { execFileSync, fork } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Rung } from "./baselines/effect-ladder.ts"
import { BASE_ENV, type Child, spawnProgram, spawnServer, stop } from "./child-service.ts"
import type { ChildLoadResult, LoadOptions } from "./ingest-load.ts"
import { cpuMillis } from "./process-cpu.ts"
import { count, ms, perSecond, printTable, ratio } from "./report.ts"
import { type LatencySummary, summarize } from "./stats.ts"

export interface IngestBaselineOptions {
  readonly dataDir: string
  readonly rounds: number
  readonly requests: number
  readonly warmupRequests: number
  readonly concurrency: number
  readonly sessions: number
}

type ServerName = "bare" | "effect" | "fastapi" | "service" | Rung

interface RoundResult {
  readonly cpuMsPerRequest: number
  readonly perSecond: number
  readonly latency: LatencySummary
  /** The load generator's CPU over the run, as a share of one core. */
  readonly clientCpuShare: number
}

export interface IngestBaselineResult {
  readonly rounds: Readonly<Record<ServerName, ReadonlyArray<RoundResult>>>
  /** Why the FastAPI peer did not run, when it did not. */
  readonly fastApiSkipped: string | null
}

const PYTHON = "/usr/bin/python3"

/** Why the FastAPI peer cannot run here, or null when it can. */
const fastApiUnavailable = (): string | null => {
  try {
    execFileSync(PYTHON, ["-c", "import fastapi, uvicorn, uvloop, httptools"], { stdio: "pipe" })
    return null
  } catch (error) {
    const stderr = (error as { readonly stderr?: Buffer }).stderr?.toString().trim().split("\n").pop()
    return (
      `${PYTHON} cannot import fastapi, uvicorn, uvloop and httptools (${stderr ?? String(error)}); ` +
      "apt-get install -y python3-fastapi python3-uvicorn python3-uvloop python3-httptools"
    )
  }
}

const start = (server: ServerName, dataDir: string): Promise<Child> => {
  const database = join(dataDir, `${server}.sqlite`)
  switch (server) {
    case "bare":
      return spawnServer(["bench/baselines/bare-ingest.ts", database], BASE_ENV)
    case "effect":
      return spawnServer(["bench/baselines/effect-ingest.ts", database], BASE_ENV)
    case "runtime":
    case "router":
    case "schema":
      return spawnServer(["bench/baselines/effect-ladder.ts", server, database], BASE_ENV)
    case "fastapi":
      return spawnProgram(PYTHON, ["bench/baselines/fastapi_ingest.py", database], BASE_ENV)
    case "service":
      return spawnServer(["bootstrap/main.ts", "serve"], {
        ...BASE_ENV,
        CONVEX_URL: "",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: join(dataDir, "service"),
        // The defaults would answer most of the load with 429.
        RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "100000000",
        RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE: "100000000"
      })
  }
}

/** The load generator in a child process of its own, waiting for runs. */
const startClient = () => {
  const child = fork(new URL("./ingest-load.ts", import.meta.url), {
    serialization: "advanced",
    stdio: "inherit"
  })
  const load = (options: LoadOptions) =>
    new Promise<ChildLoadResult>((resolve, reject) => {
      child.once("message", (answer: ChildLoadResult) => resolve(answer))
      child.once("error", reject)
      child.send(options)
    })
  return { load, close: () => child.disconnect() }
}

/** One round of one server: a fresh child process, a warm-up, then the measured load. */
export const measure = async (
  server: ServerName,
  round: number,
  options: IngestBaselineOptions
): Promise<RoundResult> => {
  const dataDir = mkdtempSync(join(options.dataDir, `${server}-`))
  const child = await start(server, dataDir)
  const client = startClient()
  try {
    const pid = child.process.pid
    if (pid === undefined) throw new Error(`${server}: no pid`)
    const run = (runId: string, requests: number) =>
      client.load({
        url: child.url,
        runId: `${runId}-${round}`,
        requests,
        concurrency: options.concurrency,
        sessions: options.sessions
      })
    await run("warmup", options.warmupRequests)
    const cpuBefore = cpuMillis(pid)
    const { result, cpuMs: clientCpuMs } = await run("measured", options.requests)
    const serverCpuMs = cpuMillis(pid) - cpuBefore
    if (result.failures > 0) {
      throw new Error(`${server}: ${result.failures} requests failed; first: ${result.firstFailure ?? "?"}`)
    }
    return {
      cpuMsPerRequest: serverCpuMs / options.requests,
      perSecond: options.requests / (result.elapsedMs / 1000),
      latency: summarize(result.latencies),
      clientCpuShare: clientCpuMs / result.elapsedMs
    }
  } finally {
    client.close()
    await stop(child.process)
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export const benchIngestBaselines = async (options: IngestBaselineOptions): Promise<IngestBaselineResult> => {
  const fastApiSkipped = fastApiUnavailable()
  const servers: ReadonlyArray<ServerName> =
    fastApiSkipped === null ? ["bare", "effect", "fastapi", "service"] : ["bare", "effect", "service"]
  const rounds: Record<ServerName, Array<RoundResult>> = {
    bare: [],
    effect: [],
    fastapi: [],
    service: [],
    runtime: [],
    router: [],
    schema: []
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const server of servers) rounds[server].push(await measure(server, round, options))
  }
  return { rounds, fastApiSkipped }
}

export const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

export const LABELS: Record<ServerName, string> = {
  bare: "bare node:http + node:sqlite",
  effect: "minimal Effect HttpApi",
  fastapi: "FastAPI + uvicorn (uvloop, httptools)",
  service: "the service (embedded, classification)",
  runtime: "node:http, the write in an Effect fiber",
  router: "@effect/platform HttpRouter, JSON checked by hand",
  schema: "@effect/platform HttpRouter, Schema body and answer"
}

/** The targets: CPU per request against each baseline, and the service's rate. */
export const TARGETS = { cpuVsEffect: 2, cpuVsBare: 8, perSecond: 1500 }

const met = (ok: boolean) => (ok ? "met" : "NOT MET")

/** Prints the rounds, the medians, the in-run ratios and the targets; returns the median figures. */
export const printIngestBaselines = (result: IngestBaselineResult, options: IngestBaselineOptions) => {
  const ran = (Object.keys(result.rounds) as Array<ServerName>).filter(
    (server) => result.rounds[server].length > 0
  )
  printTable(
    `1b. Ingest against its baselines: POST /messages/ingest, ${options.concurrency} in flight, ` +
      `${count(options.requests)} requests per round after ${count(options.warmupRequests)} warm-up, ` +
      `${options.rounds} rounds, each server a fresh child process, interleaved; CPU from /proc/<pid>/stat ` +
      "(utime + stime, 10 ms ticks) over the measured run; the client is a child process of its own",
    ["server", "round", "CPU / request", "throughput", "p50", "p99", "client CPU (one core)"],
    ran.flatMap((server) =>
      result.rounds[server].map((round, index) => [
        LABELS[server],
        String(index + 1),
        ms(round.cpuMsPerRequest),
        perSecond(round.perSecond),
        ms(round.latency.p50),
        ms(round.latency.p99),
        `${Math.round(round.clientCpuShare * 100)} %`
      ])
    )
  )
  if (result.fastApiSkipped !== null) console.log(`FastAPI peer skipped: ${result.fastApiSkipped}`)
  const service = result.rounds.service
  /** The median over rounds of the service's figure over a baseline's, each pair from one round. */
  const inRun = (baseline: ServerName, figure: (round: RoundResult) => number) =>
    median(
      service.map((round, index) => {
        const other = result.rounds[baseline][index]
        return other === undefined ? Number.NaN : figure(round) / figure(other)
      })
    )
  printTable(
    "Ingest ratios, the service over each baseline (median over rounds of the ratio within a round)",
    ["baseline", "CPU / request", "throughput", "p50", "p99"],
    ran
      .filter((server) => server !== "service")
      .map((baseline) => [
        LABELS[baseline],
        ratio(inRun(baseline, (round) => round.cpuMsPerRequest)),
        ratio(inRun(baseline, (round) => round.perSecond)),
        ratio(inRun(baseline, (round) => round.latency.p50)),
        ratio(inRun(baseline, (round) => round.latency.p99))
      ])
  )
  const cpuVsEffect = inRun("effect", (round) => round.cpuMsPerRequest)
  const cpuVsBare = inRun("bare", (round) => round.cpuMsPerRequest)
  const servicePerSecond = median(service.map((round) => round.perSecond))
  console.log(
    `Target (issue): ingest CPU per request <= ${TARGETS.cpuVsEffect}x the minimal Effect server: ` +
      `${ratio(cpuVsEffect)}, ${met(cpuVsEffect <= TARGETS.cpuVsEffect)}`
  )
  console.log(
    `Target (issue): ingest CPU per request <= ${TARGETS.cpuVsBare}x bare node:http: ` +
      `${ratio(cpuVsBare)}, ${met(cpuVsBare <= TARGETS.cpuVsBare)}`
  )
  console.log(
    `Target (issue): >= ${count(TARGETS.perSecond)} ingests/s at ${options.concurrency} in flight: ` +
      `${perSecond(servicePerSecond)}, ${met(servicePerSecond >= TARGETS.perSecond)}`
  )
  if (result.rounds.fastapi.length > 0) {
    const vsFastApi = inRun("fastapi", (round) => round.perSecond)
    console.log(
      `Target (issue, beyond): at least the FastAPI peer's ingest rate: ${ratio(vsFastApi)} its rate, ` +
        `${ratio(inRun("fastapi", (round) => round.cpuMsPerRequest))} its CPU per request, ${met(vsFastApi >= 1)}`
    )
  }
  return {
    cpuMsPerRequest: median(service.map((round) => round.cpuMsPerRequest)),
    perSecond: servicePerSecond,
    cpuVsEffect,
    cpuVsBare
  }
}

/**
 * The warm-up brings each server to steady state: after a short one the timed requests still pay for
 * V8 compiling the service's code, which a running process pays once
 * (docs/decisions/2026-12-03-bench-at-steady-state.md).
 */
export const INGEST_BASELINE_OPTIONS = {
  rounds: 3,
  requests: 2000,
  warmupRequests: 3000,
  concurrency: 32,
  sessions: 64
}

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-bench-ingest-"))
  try {
    const options = { dataDir, ...INGEST_BASELINE_OPTIONS }
    printIngestBaselines(await benchIngestBaselines(options), options)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
