import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createInterface } from "node:readline"

/** A `node bootstrap/main.ts serve` process, its URL, and the JSON lines it has logged so far. */
export interface ServiceProcess {
  readonly child: ChildProcess
  readonly url: string
  readonly lines: Array<Record<string, unknown>>
}

/** `node bootstrap/main.ts serve`, as `npm start` runs it, on port 0; resolves once it listens. */
export const serveProcess = async (env: Record<string, string>): Promise<ServiceProcess> => {
  const child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "INFO", ...env },
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

/** Stops the process; resolves with its exit code once its output is closed, every line of it read. */
export const stopProcess = async (child: ChildProcess) => {
  const exited = once(child, "close")
  child.kill("SIGTERM")
  const [code] = await exited
  return code
}
