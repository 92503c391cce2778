/**
 * Smoke load test of chat streaming (`npm run smoke`): starts the real service on a fresh data
 * directory with the offline model, drives SMOKE_VUS virtual users for SMOKE_SECONDS, each
 * sending chat turns back to back in its own session over SSE, prints a k6-style summary and
 * exits 1 when a threshold (the product's SLOs) fails.
 *
 *   SMOKE_VUS               virtual users, each one user and one session (default 20)
 *   SMOKE_SECONDS           how long users start new turns (default 20)
 *   SMOKE_TOKEN_DELAY_MS    the offline model's delay per word, OFFLINE_TOKEN_DELAY_MS (default 15)
 *   SMOKE_TURN_TIMEOUT_MS   a turn with no `[DONE]` after this long fails (default 15000)
 *
 * The service inherits the rest of the environment (CHAT_CONTEXT_LIMIT, ...); the harness sets
 * what it depends on. It logs at WARN, so it prints no "Listening on" line: the harness picks a
 * free port itself and waits for /readyz.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { rmSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { createInterface } from "node:readline"
import { setTimeout as sleep } from "node:timers/promises"
import { freePort } from "../support/free-port.ts"
import { runTurn, type StopReason, type TurnResult } from "./chat-turn.ts"
import { distribution, formatMs, formatPercent, renderSummary, type Threshold } from "./load-report.ts"

/** The product's SLOs for a chat turn. */
const SLO = { ttftP95Ms: 1200, turnP95Ms: 2500, maxFailedRate: 0.01 }
/** After SMOKE_SECONDS, turns in flight get this long to finish (k6's gracefulStop). */
const GRACEFUL_STOP_MS = 10_000
/** Users start spread over this long (a tenth of the run at most), as k6's ramp-up stage would. */
const MAX_RAMP_UP_MS = 2_000
const STARTUP_TIMEOUT_MS = 15_000
const SIGKILL_AFTER_MS = 10_000
const SHUTDOWN_GRACE_MS = 2_000

const PROMPTS = [
  "Can we practise asking my manager for a raise?",
  "I need to tell a teammate their code reviews feel harsh.",
  "Play my landlord; I want the deposit back.",
  "How do I open a difficult conversation with my sister?",
  "Let me try that again, more calmly this time.",
  "I think I sounded defensive there. How was that?",
  "Can you push back harder, like a sceptical client would?",
  "Okay, one more try: I'd like to discuss my workload."
]

const readSetting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min) {
    console.error(`${name}=${JSON.stringify(raw)}: expected an integer of ${min} or more`)
    process.exit(2)
  }
  return value
}

const settings = {
  vus: readSetting("SMOKE_VUS", 20, 1),
  seconds: readSetting("SMOKE_SECONDS", 20, 1),
  tokenDelayMs: readSetting("SMOKE_TOKEN_DELAY_MS", 15, 0),
  turnTimeoutMs: readSetting("SMOKE_TURN_TIMEOUT_MS", 15_000, 1)
}

// --- cleanup, whatever happens ------------------------------------------------------------------

let child: ChildProcess | undefined
let dataDir: string | undefined
/** Aborted by Ctrl-C (or SIGTERM): stops startup and every turn, then cleans up. */
const interrupt = new AbortController()
/** 128 + the signal's number, as a shell reports a process a signal ended. */
let interruptedExitCode = 130

const running = (service: ChildProcess) => service.exitCode === null && service.signalCode === null

// Last resort, synchronous: a child still running is killed, the data directory removed.
process.on("exit", () => {
  if (child !== undefined && running(child)) child.kill("SIGKILL")
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
})

const onSignal = (signal: NodeJS.Signals) => {
  if (interrupt.signal.aborted) {
    console.error(`\n${signal} again: killing the service and exiting now`)
    process.exit(interruptedExitCode)
  }
  interruptedExitCode = signal === "SIGTERM" ? 143 : 130
  console.error(`\n${signal}: stopping the turns and the service (${signal} again to force)`)
  interrupt.abort("interrupted" satisfies StopReason)
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

// Should everything else fail to end the run, this does.
const watchdogMs = (settings.seconds + 45) * 1000
setTimeout(() => {
  console.error(`watchdog: the run did not end within ${watchdogMs / 1000} s; killing the service`)
  process.exit(1)
}, watchdogMs).unref()

// --- the service --------------------------------------------------------------------------------

/** The service's own output (WARN and above, and anything on stderr), last lines kept. */
const serviceOutput: Array<string> = []
let serviceLines = 0
const keepOutput = (line: string) => {
  serviceLines++
  serviceOutput.push(line)
  if (serviceOutput.length > 40) serviceOutput.shift()
}

interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

const exitOf = (service: ChildProcess) =>
  new Promise<Exit>((resolve) => {
    if (!running(service)) resolve({ code: service.exitCode, signal: service.signalCode })
    else service.once("exit", (code, signal) => resolve({ code, signal }))
  })

const describeExit = ({ code, signal }: Exit) => (signal === null ? `exit code ${code}` : `signal ${signal}`)

/** Polls /readyz until it answers 200; undefined when the service exits first. */
const waitReady = async (service: ChildProcess, url: string): Promise<Exit | undefined> => {
  const exited = exitOf(service)
  let exit: Exit | undefined
  void exited.then((value) => (exit = value))
  const deadline = performance.now() + STARTUP_TIMEOUT_MS
  while (performance.now() < deadline) {
    if (exit !== undefined) return exit
    interrupt.signal.throwIfAborted()
    try {
      const response = await fetch(`${url}/readyz`, {
        signal: AbortSignal.any([AbortSignal.timeout(1000), interrupt.signal])
      })
      await response.body?.cancel()
      if (response.status === 200) return undefined
    } catch {
      // not listening yet
    }
    await sleep(100, undefined, { signal: interrupt.signal })
  }
  throw new Error(`the service was not ready within ${STARTUP_TIMEOUT_MS / 1000} s`)
}

/** `node bootstrap/main.ts serve`, as `npm start` runs it, on a free port; resolves once ready. */
const startService = async (directory: string) => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const startedAt = performance.now()
    child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        DATA_DIR: directory,
        LOG_LEVEL: "WARN",
        LLM_PROVIDER: "offline",
        OFFLINE_TOKEN_DELAY_MS: String(settings.tokenDelayMs),
        CONVEX_URL: "",
        RATE_LIMIT_CHAT_PER_USER_PER_MINUTE: "1000000",
        RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "1000000",
        SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS)
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) createInterface({ input: stream }).on("line", keepOutput)
    }
    const exit = await waitReady(child, url)
    if (exit === undefined) return { url, readyMs: performance.now() - startedAt }
    // Another process may have taken the port between freePort() and the service's listen.
    if (attempt < 3 && serviceOutput.some((line) => line.includes("EADDRINUSE"))) continue
    throw new Error(`the service exited before it was ready (${describeExit(exit)})`)
  }
}

interface Stopped extends Exit {
  readonly ms: number
  readonly killed: boolean
}

/** SIGTERM, then SIGKILL when it has not exited SIGKILL_AFTER_MS later. */
const stopService = async (service: ChildProcess): Promise<Stopped> => {
  const startedAt = performance.now()
  const exited = exitOf(service)
  let killed = false
  const timer = setTimeout(() => {
    killed = true
    service.kill("SIGKILL")
  }, SIGKILL_AFTER_MS)
  service.kill("SIGTERM")
  const exit = await exited
  clearTimeout(timer)
  return { ...exit, ms: performance.now() - startedAt, killed }
}

// --- the load -----------------------------------------------------------------------------------

type Recorded = Exclude<TurnResult, { readonly outcome: "interrupted" }>

const runLoad = async (url: string, service: ChildProcess) => {
  const results: Array<Recorded> = []
  const graceful = new AbortController()
  const stop = AbortSignal.any([interrupt.signal, graceful.signal])
  let serviceExit: Exit | undefined
  void exitOf(service).then((exit) => (serviceExit = exit))

  const loadBefore = loadavg()[0] ?? Number.NaN
  const cpuBefore = process.cpuUsage()
  const rampUpMs = Math.min(MAX_RAMP_UP_MS, settings.seconds * 100)
  const startedAt = performance.now()
  const deadline = startedAt + settings.seconds * 1000
  let gracefulTimer: NodeJS.Timeout | undefined
  const deadlineTimer = setTimeout(() => {
    gracefulTimer = setTimeout(() => graceful.abort("graceful-stop" satisfies StopReason), GRACEFUL_STOP_MS)
  }, settings.seconds * 1000)

  const user = async (index: number) => {
    // Users arrive spread over the ramp-up, not all in the same millisecond.
    await sleep((index * rampUpMs) / settings.vus, undefined, { signal: stop }).catch(() => undefined)
    for (let turn = 0; ; turn++) {
      if (stop.aborted || serviceExit !== undefined || performance.now() >= deadline) return
      const result = await runTurn({
        baseUrl: url,
        userId: `smoke-user-${index + 1}`,
        sessionId: `smoke-session-${index + 1}`,
        prompt: PROMPTS[(index + turn) % PROMPTS.length] ?? "Hello",
        timeoutMs: settings.turnTimeoutMs,
        stop
      })
      if (result.outcome === "interrupted") return
      results.push(result)
      // A failing service answers at once; do not spin on it.
      if (result.outcome === "failed") await sleep(100, undefined, { signal: stop }).catch(() => undefined)
    }
  }

  await Promise.all(Array.from({ length: settings.vus }, (_, index) => user(index)))
  clearTimeout(deadlineTimer)
  clearTimeout(gracefulTimer)
  const elapsedMs = performance.now() - startedAt
  const cpu = process.cpuUsage(cpuBefore)
  const harnessCpuMs = (cpu.user + cpu.system) / 1000
  return {
    results,
    elapsedMs,
    serviceExit,
    rampUpMs,
    harnessCpuMs,
    loadBefore,
    loadAfter: loadavg()[0] ?? Number.NaN
  }
}

/**
 * One unmeasured turn before the load, as k6's setup() would: proves the service answers a
 * well-formed stream (else there is no point in loading it) and warms both processes' JIT.
 */
const setupTurn = async (url: string) => {
  const result = await runTurn({
    baseUrl: url,
    userId: "smoke-setup",
    sessionId: "smoke-setup",
    prompt: "Hello, coach.",
    timeoutMs: settings.turnTimeoutMs,
    stop: interrupt.signal
  })
  if (result.outcome === "interrupted") throw new Error("interrupted")
  if (result.outcome === "failed") throw new Error(`the setup turn failed: ${result.reason}`)
  return result
}

// --- the run ------------------------------------------------------------------------------------

const thresholdsOf = (results: ReadonlyArray<Recorded>) => {
  const ok = results.flatMap((result) => (result.outcome === "ok" ? [result] : []))
  const ttft = distribution(ok.map((result) => result.ttftMs))
  const turnDuration = distribution(ok.map((result) => result.durationMs))
  const failed = results.length - ok.length
  const failedRate = results.length === 0 ? Number.NaN : failed / results.length
  const thresholds: Array<Threshold> = [
    {
      metric: "chat_ttft",
      expression: `p(95)<=${SLO.ttftP95Ms}ms`,
      observed: `p(95)=${formatMs(ttft.p95)}`,
      passed: ttft.count > 0 && ttft.p95 <= SLO.ttftP95Ms
    },
    {
      metric: "chat_turn_duration",
      expression: `p(95)<=${SLO.turnP95Ms}ms`,
      observed: `p(95)=${formatMs(turnDuration.p95)}`,
      passed: turnDuration.count > 0 && turnDuration.p95 <= SLO.turnP95Ms
    },
    {
      metric: "chat_turns_failed",
      expression: `rate<${SLO.maxFailedRate * 100}%`,
      observed: `rate=${formatPercent(failedRate)}`,
      passed: results.length > 0 && failedRate < SLO.maxFailedRate
    }
  ]
  return { ok, failed, ttft, turnDuration, thresholds }
}

const printServiceOutput = () => {
  if (serviceOutput.length === 0) return
  console.log(`  service output (last ${serviceOutput.length} of ${serviceLines} lines at WARN or above):`)
  for (const line of serviceOutput) console.log(`    ${line}`)
  console.log("")
}

const main = async (): Promise<number> => {
  const { vus, seconds, tokenDelayMs, turnTimeoutMs } = settings
  console.log(
    `chat smoke: ${vus} VUs for ${seconds}s, offline model at ${tokenDelayMs} ms/token; starting the service...`
  )
  dataDir = await mkdtemp(join(tmpdir(), "coachup-smoke-"))
  let outcome:
    | {
        readonly _tag: "Ran"
        readonly url: string
        readonly readyMs: number
        readonly load: Awaited<ReturnType<typeof runLoad>>
      }
    | { readonly _tag: "Failed"; readonly error: unknown }
  let stopped: Stopped | undefined
  try {
    const { url, readyMs } = await startService(dataDir)
    if (child === undefined) throw new Error("no service process")
    const setup = await setupTurn(url)
    console.log(
      `service ready at ${url} in ${formatMs(readyMs)}; setup turn ok in ${formatMs(setup.durationMs)}; running turns...`
    )
    outcome = { _tag: "Ran", url, readyMs, load: await runLoad(url, child) }
  } catch (error) {
    outcome = { _tag: "Failed", error }
  } finally {
    if (child !== undefined && running(child)) stopped = await stopService(child)
    await rm(dataDir, { recursive: true, force: true })
    dataDir = undefined
  }

  if (interrupt.signal.aborted) {
    console.error("interrupted: the service is stopped and its data directory removed")
    return interruptedExitCode
  }
  if (outcome._tag === "Failed") {
    console.error(
      `chat smoke failed: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`
    )
    printServiceOutput()
    return 1
  }

  const { url, readyMs, load } = outcome
  const { ok, failed, ttft, turnDuration, thresholds } = thresholdsOf(load.results)
  const failureReasons = new Map<string, number>()
  for (const result of load.results) {
    if (result.outcome === "failed")
      failureReasons.set(result.reason, (failureReasons.get(result.reason) ?? 0) + 1)
  }
  const contexts = ok.flatMap((result) =>
    result.contextMessages === undefined ? [] : [result.contextMessages]
  )
  console.log(
    renderSummary({
      title: `coach-up chat smoke: GET /chat/stream (SSE), ${vus} VUs for ${seconds}s`,
      details: [
        `service: ${url}, node bootstrap/main.ts serve on a fresh DATA_DIR, ready in ${formatMs(readyMs)}`,
        `model: offline, OFFLINE_TOKEN_DELAY_MS=${tokenDelayMs}; turn timeout ${formatMs(turnTimeoutMs)}, graceful stop ${formatMs(GRACEFUL_STOP_MS)}`,
        `each VU: its own x-user-id and x-session-id, turns back to back; VUs ramp up over ${formatMs(load.rampUpMs)} after one unmeasured setup turn`,
        "chat_ttft and chat_turn_duration: successful turns; failed turns count in chat_turns_failed",
        `host: ${availableParallelism()} CPUs shared by service and harness; 1-min load average ${load.loadBefore.toFixed(2)} at the start, ${load.loadAfter.toFixed(2)} at the end`,
        `harness: ${formatMs(load.harnessCpuMs)} of CPU, ${((100 * load.harnessCpuMs) / load.elapsedMs).toFixed(0)}% of one core`
      ],
      elapsedMs: load.elapsedMs,
      turns: load.results.length,
      failed,
      ttft,
      turnDuration,
      deltas: ok.reduce((sum, result) => sum + result.deltas, 0),
      maxContextMessages: contexts.length === 0 ? undefined : Math.max(...contexts),
      vus,
      failureReasons,
      thresholds
    })
  )

  const problems = thresholds
    .filter((threshold) => !threshold.passed)
    .map((threshold) => `${threshold.metric} '${threshold.expression}' (${threshold.observed})`)
  if (load.serviceExit !== undefined)
    problems.push(`the service exited during the run (${describeExit(load.serviceExit)})`)
  if (stopped !== undefined) {
    const how = stopped.killed
      ? `killed with SIGKILL after ${formatMs(SIGKILL_AFTER_MS)}`
      : describeExit(stopped)
    console.log(`  service stopped on SIGTERM: ${how} in ${formatMs(stopped.ms)}`)
  }
  if (problems.length > 0) {
    printServiceOutput()
    console.log(`  ✗ chat smoke FAILED:`)
    for (const problem of problems) console.log(`    ✗ ${problem}`)
    return 1
  }
  console.log(`  ✓ chat smoke passed: all ${thresholds.length} thresholds met`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("chat smoke crashed:", error)
    process.exit(1)
  }
)
