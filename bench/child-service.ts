/**
 * The real service (or another server script) in a child process whose memory a bench measures: it
 * runs with `--expose-gc` and bench/memory-probe.ts preloaded, which answers an IPC request with
 * `process.memoryUsage()` after a full collection.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import type { MemorySample } from "./memory-probe.ts"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const PROBE = new URL("./memory-probe.ts", import.meta.url).href
const STOP_TIMEOUT_MS = 15_000
/** The children get none of this shell's service configuration, only what is set below. */
export const BASE_ENV: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "" }

export interface Child {
  readonly process: ChildProcess
  readonly url: string
}

/** Spawns `node <args>` with the probe; resolves once it logs `Listening on http://…`. */
export const spawnServer = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv): Promise<Child> =>
  listening(
    spawn(process.execPath, ["--expose-gc", "--import", PROBE, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "inherit", "ipc"]
    }),
    args
  )

/** Spawns another program's server (no probe, no IPC); resolves once it logs `Listening on http://…`. */
export const spawnProgram = (
  command: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv
): Promise<Child> =>
  listening(spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] }), args)

const listening = async (child: ChildProcess, args: ReadonlyArray<string>): Promise<Child> => {
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

export const sample = (child: ChildProcess) =>
  new Promise<MemorySample>((resolve, reject) => {
    child.once("message", (message) => resolve(message as MemorySample))
    child.send("memory", (error) => {
      if (error !== null) reject(error)
    })
  })

/** Closes the IPC channel, sends SIGTERM, and kills the child if it has not exited in time. */
export const stop = async (child: ChildProcess): Promise<string> => {
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

/**
 * The service's settings for a bench of idle chat streams: the offline model sleeps this long before
 * each word, the first included, so every stream stays open and idle after `start` and `text-start`,
 * well inside the idle and turn timeouts. Empty `CONVEX_URL` counts as unset: the SQLite stores.
 */
export const IDLE_STREAM_SERVICE_ENV = {
  CONVEX_URL: "",
  HOST: "127.0.0.1",
  PORT: "0",
  // INFO: the address is logged at INFO.
  LOG_LEVEL: "INFO",
  SHUTDOWN_GRACE_MS: "1000",
  LLM_PROVIDER: "offline",
  OFFLINE_TOKEN_DELAY_MS: "600000",
  CHAT_IDLE_TIMEOUT_MS: "900000",
  CHAT_TURN_TIMEOUT_MS: "900000"
}
