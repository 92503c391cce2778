import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"

/** A `serve` process of the real service, with its log lines as they come. */
export interface ServiceProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly lines: Array<Record<string, unknown>>
}

/**
 * `node bootstrap/main.ts serve`, as `npm start` runs it, on `dataDir` and any port; resolves once it
 * listens.
 */
export const serveProcess = async (
  dataDir: string,
  env: Record<string, string> = {}
): Promise<ServiceProcess> => {
  const child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "INFO", ...env },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const lines: Array<Record<string, unknown>> = []
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>
      lines.push(entry)
      const match = /^Listening on (http:\/\/\S+)$/.exec(String(entry["message"]))
      if (match?.[1] !== undefined) resolve(match[1])
    })
    child.once("exit", (code) => reject(new Error(`service exited early with ${code}`)))
  })
  return { child, url, lines }
}

/** Stops the process with `signal`; resolves with its exit code (or signal) once its output is closed. */
export const stopProcess = async (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") => {
  const exited = once(child, "close")
  child.kill(signal)
  const [code, killedBy] = (await exited) as [number | null, NodeJS.Signals | null]
  return code ?? killedBy
}
