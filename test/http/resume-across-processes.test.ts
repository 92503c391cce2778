import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, it } from "vitest"
import { apiCaller, sessionMessages } from "../support/api-client.ts"
import { expectFollowedToTheEnd, followReply, openTurn } from "../support/followed-turn.ts"
import { type ServiceProcess, serveProcess, stopProcess } from "../support/service-process.ts"
import { readSse, textOf } from "../support/sse-client.ts"

/**
 * Two service processes on one SQLite file, as two `serve` processes behind one load balancer would
 * run. Both start before the turn: a SQLite process finishes, at its start, every reply it finds in
 * progress (it takes itself for the file's only writer), so a process started mid-reply would end it.
 */
const SHARED = {
  // A word every 60 ms: several seconds of reply, saved every 100 ms.
  OFFLINE_TOKEN_DELAY_MS: "60",
  REPLY_SAVE_INTERVAL_MS: "100",
  REPLY_LEASE_MS: "2000",
  REPLY_FOLLOW_POLL_MS: "50"
}

let dataDir: string
let writer: ServiceProcess
let follower: ServiceProcess
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-resume-"))
  writer = await serveProcess({ DATA_DIR: dataDir, ...SHARED })
  follower = await serveProcess({ DATA_DIR: dataDir, ...SHARED })
})
afterAll(async () => {
  await Promise.all([writer, follower].map((service) => stopProcess(service.child)))
  await rm(dataDir, { recursive: true, force: true })
})

it("a reply one process streams is followed to its end on another, ending as the store has it", async () => {
  const turn = await openTurn(writer.url, "across-1", "Help me say no to extra work.")
  // The other process sees the reply once its in-progress row is written, just after the first text.
  let response = await followReply(follower.url, "across-1")
  for (let tries = 0; response.status === 204 && tries < 50; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    response = await followReply(follower.url, "across-1")
  }
  const followed = await readSse(response)
  expect(followed.status).toBe(200)
  expectFollowedToTheEnd(followed.events, turn.messageId)

  const streamed = await turn.rest
  const stored = (await apiCaller(follower.url).call(sessionMessages("across-1"))).items.find(
    (item) => item.messageId === turn.messageId
  )
  expect(stored).toMatchObject({ status: "completed", text: streamed })
  expect(textOf(followed.events)).toBe(streamed)
})
