import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import {
  apiCaller,
  groupAssessment,
  ingestMessage,
  sessionMessages,
  userMessageClassified
} from "../support/api-client.ts"
import { serveProcess, stopProcess } from "../support/service-process.ts"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-serve-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

/** The service on this file's data directory. */
const serve = (env: Record<string, string> = {}) => serveProcess({ DATA_DIR: dataDir, ...env })

it("serves with no configuration, logs JSON without message text, and stops cleanly on SIGTERM", async () => {
  const first = await serve()
  const ingest = await apiCaller(first.url).call(
    ingestMessage({
      sessionId: "smoke",
      messageId: "smoke-1",
      role: "user",
      text: "SECRET-MARKER practise text"
    }),
    { headers: { "x-request-id": "smoke-req-1" } }
  )
  expect(ingest).toMatchObject({ persisted: true })
  expect(await stopProcess(first.child)).toBe(0)
  const logged = first.lines.map((line) => JSON.stringify(line)).join("\n")
  expect(logged).toContain('"requestId":"smoke-req-1"')
  expect(logged).not.toContain("SECRET-MARKER")

  const second = await serve()
  const messages = await apiCaller(second.url).call(sessionMessages("smoke"))
  expect(messages).toMatchObject({ items: [{ messageId: "smoke-1" }] })
  expect(await stopProcess(second.child)).toBe(0)
})

it("npm run worker assesses what a serve process with no workers of its own queued", async () => {
  const service = await serve({ ASSESSMENT_WORKERS: "0" })
  const api = apiCaller(service.url)
  try {
    const { groupId } = await api.call(
      userMessageClassified({
        sessionId: "worker-smoke",
        messageId: "worker-smoke-1",
        text: "Can you give me feedback on this opener: 'I need a decision by Friday'?"
      }),
      { headers: { "x-request-id": "close-group-request" } }
    )
    const assessment = () => api.call(groupAssessment(groupId!))
    expect(await assessment()).toMatchObject({ status: "pending" })

    const worker = spawn(process.execPath, ["bootstrap/main.ts", "worker"], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: "INFO", ASSESSMENT_POLL_MS: "50" },
      stdio: ["ignore", "pipe", "inherit"]
    })
    const logged: Array<string> = []
    createInterface({ input: worker.stdout! }).on("line", (line) => logged.push(line))
    try {
      // Bounded as before, by 10 s.
      await vi.waitFor(async () => expect((await assessment()).status).toBe("completed"), {
        timeout: 10_000,
        interval: 50
      })
      expect(await assessment()).toMatchObject({ status: "completed", attempts: 1 })
    } finally {
      expect(await stopProcess(worker)).toBe(0)
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
    expect(await stopProcess(service.child)).toBe(0)
  }
  // The serve process has stopped and written all its lines: it assessed nothing itself.
  expect(service.lines.map((line) => line["message"])).not.toContain("assessment")
})
