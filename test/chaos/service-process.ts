import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { setTimeout as sleep } from "node:timers/promises"
import { freePort } from "../support/free-port.ts"

const ROOT = join(import.meta.dirname, "..", "..")
/** Loading the service takes about 2 s of CPU; on a shared, busy machine much longer. */
const STARTUP_TIMEOUT_MS = 90_000
const OUTPUT_LINES_KEPT = 40
/**
 * Node's cache of compiled modules (and of stripped TypeScript), shared by every start: a run
 * starts the service a dozen times or more, and a warm cache halves the time it takes to load.
 */
const COMPILE_CACHE = join(tmpdir(), "coachup-chaos-compile-cache")

/** Budgets high enough that no scenario meets a rate limit by accident. */
const UNLIMITED_RATES = Object.fromEntries(
  [
    "RATE_LIMIT_CHAT_PER_USER_PER_MINUTE",
    "RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE",
    "RATE_LIMIT_INGEST_PER_USER_PER_MINUTE",
    "RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE",
    "RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS_PER_MINUTE"
  ].map((name) => [name, "1000000"])
)

/**
 * The variables `npm start` sets before `node` (glibc's malloc tunables): set before the process
 * starts or not at all, so the service runs here as an operator starts it.
 */
const LAUNCH_ENV: Readonly<Record<string, string>> = (() => {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    readonly scripts: { readonly start: string }
  }
  const assignments = scripts.start.slice(0, scripts.start.indexOf("node "))
  return Object.fromEntries(
    Array.from(assignments.matchAll(/([A-Z_]+)=(\S*)/g), ([, name, value]) => [name!, value!])
  )
})()

/** Every child a run started, so that an interrupted run leaves none behind. */
const children = new Set<ChildProcess>()

/** Kills every child process still running (the service, store locks); for exit handlers. */
export const killChildren = () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
}

/** Spawns `node <args>` in the repository root, remembered by `killChildren`. */
export const spawnNode = (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}

/** Resolves once the child has exited and its output is closed. */
export const exited = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return
  await once(child, "close")
}

export interface ServiceOptions {
  readonly dataDir: string
  /** Settings beside the harness's own (loopback, a free port, WARN logs, no rate limits). */
  readonly env?: Readonly<Record<string, string>>
  /**
   * Opens Node's inspector on a free port of 127.0.0.1, so that `collectGarbage` can run a full
   * collection before RSS is read: what the heap keeps, not the garbage it has not collected yet.
   */
  readonly inspect?: boolean
}

/** The real service, `node bootstrap/main.ts serve`, running as a child process. */
export interface ServiceProcess {
  readonly url: string
  readonly pid: number
  /** Its resident set size now (Linux: /proc/<pid>/status). */
  readonly rssBytes: () => number
  /** The ERROR and FATAL lines it has logged. */
  readonly errorLines: () => ReadonlyArray<string>
  /** A full garbage collection, through the inspector (`inspect` must be set). */
  readonly collectGarbage: () => Promise<void>
  /** `kill -9`: no finalizer runs. */
  readonly kill: () => Promise<void>
  /** SIGTERM, as an operator stops it; resolves with the exit code. */
  readonly stop: () => Promise<number | null>
}

const rssOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`)
  return Number(kib) * 1024
}

/** Runs a full collection in the process behind the inspector `url` (Chrome DevTools Protocol). */
const collectGarbage = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.addEventListener("open", () =>
      socket.send(JSON.stringify({ id: 1, method: "HeapProfiler.collectGarbage" }))
    )
    socket.addEventListener("message", (event) => {
      if ((JSON.parse(String(event.data)) as { id?: number }).id !== 1) return
      socket.close()
      resolve()
    })
    socket.addEventListener("error", () => reject(new Error(`the inspector at ${url} did not answer`)))
  })

/** Starts the service on a free port of 127.0.0.1 and resolves once /healthz answers. */
export const startService = async (options: ServiceOptions): Promise<ServiceProcess> => {
  const port = await freePort()
  const child = spawnNode(
    [...(options.inspect === true ? ["--inspect=127.0.0.1:0"] : []), "bootstrap/main.ts", "serve"],
    {
      PATH: process.env["PATH"] ?? "",
      NODE_COMPILE_CACHE: COMPILE_CACHE,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: options.dataDir,
      LOG_LEVEL: "WARN",
      ...LAUNCH_ENV,
      ...UNLIMITED_RATES,
      ...options.env
    }
  )
  const output: Array<string> = []
  const errors: Array<string> = []
  let inspector: string | undefined
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line)
      if (output.length > OUTPUT_LINES_KEPT) output.shift()
      if (/"logLevel":"(ERROR|FATAL)"/.test(line)) errors.push(line)
      inspector ??= /^Debugger listening on (ws:\/\/\S+)$/.exec(line)?.[1]
    })
  }
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + STARTUP_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the service exited while starting:\n${output.join("\n")}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(
        `the service did not answer /healthz within ${STARTUP_TIMEOUT_MS} ms:\n${output.join("\n")}`
      )
    }
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
      async (response) => {
        await response.body?.cancel()
        return response.status
      },
      () => 0
    )
    if (status === 200) break
    await sleep(50)
  }
  return {
    url,
    pid: child.pid!,
    rssBytes: () => rssOf(child.pid!),
    errorLines: () => errors,
    collectGarbage: async () => {
      if (inspector === undefined) throw new Error("the service was not started with its inspector open")
      await collectGarbage(inspector)
    },
    kill: async () => {
      child.kill("SIGKILL")
      await exited(child)
    },
    stop: async () => {
      child.kill("SIGTERM")
      await exited(child)
      return child.exitCode
    }
  }
}
