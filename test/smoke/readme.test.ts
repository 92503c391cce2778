import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Logger } from "effect"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { embeddedStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"

interface Step {
  readonly command: string
  readonly expected: string
}

/** The README's "Try it" session: each command, with the output printed under it as a comment. */
const readmeSession = async (): Promise<ReadonlyArray<Step>> => {
  const readme = await readFile(join(process.cwd(), "README.md"), "utf8")
  const block = /## Try it[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]
  if (block === undefined) throw new Error("README has no Try it block")
  const steps: Array<Step> = []
  let command = ""
  for (const line of block.split("\n")) {
    if (line.startsWith("# ")) {
      steps.push({ command, expected: line.slice(2) })
      command = ""
    } else if (line.trim() !== "") command += line.replace(/\\$/, "") + " "
  }
  return steps
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g

/** The messages of every log line the service writes. */
const logged: Array<string> = []
const recordingLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.make(({ message }) => void logged.push(String(message)))
)

let service: TestService
let dataDir: string
const start = () =>
  startService({ stores: embeddedStores, env: { DATA_DIR: dataDir }, logging: recordingLogs })
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-readme-"))
  service = await start()
})
afterAll(async () => {
  await service.close()
  await rm(dataDir, { recursive: true, force: true })
})

it("the README's curl session works as printed", async () => {
  const steps = await readmeSession()
  expect(steps.length).toBeGreaterThanOrEqual(6)
  for (const step of steps) {
    const command = step.command.replaceAll("localhost:3000", service.url.replace("http://", ""))
    const { stdout } = await promisify(execFile)("sh", ["-c", command])
    // The README writes <uuid> where the service generates an id.
    expect(stdout.trim().replace(UUID, "<uuid>"), step.command).toBe(step.expected)
  }
})

it("keeps the README's messages across a restart: retention counts from their arrival, not their 2023 ts", async () => {
  // The session above ends by deleting them: send the README's requests that carry a ts again.
  for (const step of (await readmeSession()).filter(({ command }) => command.includes('"ts":'))) {
    const command = step.command.replaceAll("localhost:3000", service.url.replace("http://", ""))
    await promisify(execFile)("sh", ["-c", command])
  }
  await service.close()
  logged.length = 0
  service = await start()
  // The sweep runs at start; wait until it has.
  await vi.waitFor(() => expect(logged).toContain("retention sweep done"), { timeout: 10_000, interval: 50 })
  const { stdout } = await promisify(execFile)("curl", ["-s", `${service.url}/sessions/demo/messages`])
  expect((JSON.parse(stdout) as { items: Array<{ messageId: string; ts: number }> }).items).toMatchObject([
    { messageId: "demo-1", ts: 1_700_000_000_000 },
    { messageId: "demo-2", ts: 1_700_000_001_000 }
  ])
})
