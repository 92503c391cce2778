import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { afterAll, beforeAll, expect, it } from "vitest"
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

let service: TestService
let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-readme-"))
  service = await startService({ stores: embeddedStores, env: { DATA_DIR: dataDir } })
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
