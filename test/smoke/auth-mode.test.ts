import { spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-auth-mode-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

/** `node bootstrap/main.ts serve` with `env`, until it exits; its exit code and everything it printed. */
const serveUntilExit = async (env: Record<string, string>) => {
  const child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "INFO", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const timer = setTimeout(() => child.kill("SIGTERM"), 15_000)
  const [code] = (await once(child, "exit")) as [number | null]
  clearTimeout(timer)
  return { code, output }
}

it("local mode on a non-loopback HOST refuses to start, naming AUTH_MODE=oidc, before it listens", async () => {
  const { code, output } = await serveUntilExit({ HOST: "0.0.0.0" })
  expect(code).not.toBe(0)
  expect(output).toContain("AUTH_MODE=oidc")
  expect(output).not.toContain("Listening on")
})
