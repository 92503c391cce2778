import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, expect, it } from "vitest"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-serve-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

/** `node bootstrap/main.ts serve`, as `npm start` runs it; resolves with its URL once it listens. */
const serve = async () => {
  const child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "INFO" },
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

const stop = async (child: ChildProcess) => {
  const exited = once(child, "exit")
  child.kill("SIGTERM")
  const [code] = await exited
  return code
}

it("serves with no configuration, logs JSON without message text, and stops cleanly on SIGTERM", async () => {
  const first = await serve()
  const body = { sessionId: "smoke", messageId: "smoke-1", role: "user", text: "SECRET-MARKER practise text" }
  const ingest = await fetch(`${first.url}/messages/ingest`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-request-id": "smoke-req-1" },
    body: JSON.stringify(body)
  })
  expect(await ingest.json()).toMatchObject({ persisted: true })
  expect(await stop(first.child)).toBe(0)
  const logged = first.lines.map((line) => JSON.stringify(line)).join("\n")
  expect(logged).toContain('"requestId":"smoke-req-1"')
  expect(logged).not.toContain("SECRET-MARKER")

  const second = await serve()
  const messages = await fetch(`${second.url}/sessions/smoke/messages`)
  expect(await messages.json()).toMatchObject({ items: [{ messageId: "smoke-1" }] })
  expect(await stop(second.child)).toBe(0)
})
