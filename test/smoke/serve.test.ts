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
const serve = async (env: Record<string, string> = {}) => {
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

it("npm run worker assesses what a serve process with no workers of its own queued", async () => {
  const service = await serve({ ASSESSMENT_WORKERS: "0" })
  const assessment = async (groupId: string) =>
    (await (await fetch(`${service.url}/groups/${groupId}/assessment`)).json()) as { status: string }
  try {
    const ingest = await fetch(`${service.url}/messages/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "close-group-request" },
      body: JSON.stringify({
        sessionId: "worker-smoke",
        messageId: "worker-smoke-1",
        role: "user",
        text: "Can you give me feedback on this opener: 'I need a decision by Friday'?"
      })
    })
    const { classification } = (await ingest.json()) as { classification: { groupId: string } }
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await assessment(classification.groupId)).toMatchObject({ status: "pending" })

    const worker = spawn(process.execPath, ["bootstrap/main.ts", "worker"], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "INFO", ASSESSMENT_POLL_MS: "50" },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const logged: Array<string> = []
    createInterface({ input: worker.stdout! }).on("line", (line) => logged.push(line))
    try {
      const deadline = Date.now() + 10_000
      while ((await assessment(classification.groupId)).status !== "completed" && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50))
      expect(await assessment(classification.groupId)).toMatchObject({ status: "completed", attempts: 1 })
    } finally {
      expect(await stop(worker)).toBe(0)
    }
    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>)
    // The request that closed the group reaches the worker's log line through the job.
    expect(lines.find((line) => line["message"] === "assessment")).toMatchObject({
      annotations: { outcome: "completed", requestId: "close-group-request" }
    })
    // No message text and no raw session id in the worker's logs.
    expect(logged.join("\n")).not.toContain("I need a decision")
    expect(logged.join("\n")).not.toContain("worker-smoke")
  } finally {
    expect(await stop(service.child)).toBe(0)
  }
})
