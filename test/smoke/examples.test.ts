import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { startService, type TestService } from "../support/service.ts"

const run = promisify(execFile)
let service: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
})
afterAll(() => service.close())

it("docs/examples/chat-session.sh runs against the service as written", async () => {
  const { stdout } = await run("sh", ["docs/examples/chat-session.sh"], {
    env: { ...process.env, BASE_URL: service.url, SESSION: "example-curl" }
  })
  expect(stdout).toContain('"persisted":true')
  expect(stdout).toContain('data: {"type":"text-delta"')
  expect(stdout).toContain("data: [DONE]")
  expect(stdout).toMatch(
    /"role":"assistant","text":"I'm the offline coach.*?","ts":\d+,"seq":3,"groupId":"salary-review","status":"completed"/
  )
  // The group header is metadata on the prompt and the reply; the window still holds the whole session.
  expect(stdout).toMatch(
    /"role":"user","text":"Can we practise it\?","ts":\d+,"seq":2,"groupId":"salary-review"/
  )
  expect(stdout).toContain('"for":"chat"')
})

it("docs/examples/stream-client.ts streams and prints a reply", async () => {
  const { stdout } = await run(
    process.execPath,
    ["docs/examples/stream-client.ts", "Help me say no politely.", "example-ts"],
    {
      env: { ...process.env, BASE_URL: service.url }
    }
  )
  expect(stdout).toContain("I'm the offline coach")
  expect(stdout).toContain('You said: "Help me say no politely."')
  expect(stdout).toMatch(/\[reply [0-9a-f-]{36} in session example-ts\]/)
})
