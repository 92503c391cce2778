import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { afterAll, beforeAll, expect, it, vi } from "vitest"

let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-crash-"))
})
afterAll(() => rm(dataDir, { recursive: true, force: true }))

/** Resolves with the first line of `child`'s stdout that `match` accepts, mapped; rejects if it exits first. */
const lineOf = <A>(child: ChildProcess, match: (line: string) => A | undefined) =>
  new Promise<A>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const found = match(line)
      if (found !== undefined) resolve(found)
    })
    child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)))
  })

/** `node bootstrap/main.ts serve` on the data directory; resolves with it and its URL once it listens. */
const serve = async () => {
  const child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "INFO", PERSIST_RETRY_SECONDS: "1" },
    stdio: ["ignore", "pipe", "inherit"]
  })
  const url = await lineOf(child, (line) => /"Listening on (http:\/\/[^"\s]+)"/.exec(line)?.[1])
  return { child, url }
}

/** Another process holding the store's file in an exclusive transaction until it is told to let go. */
const lockStore = async () => {
  const script = `
    const { DatabaseSync } = require("node:sqlite")
    const db = new DatabaseSync(process.argv[1])
    db.exec("BEGIN EXCLUSIVE")
    console.log("locked")
    process.stdin.once("data", () => { db.exec("ROLLBACK"); db.close(); process.exit(0) })`
  const child = spawn(process.execPath, ["-e", script, join(dataDir, "coachup.sqlite")], {
    stdio: ["pipe", "pipe", "inherit"]
  })
  await lineOf(child, (line) => (line === "locked" ? true : undefined))
  return async () => {
    const exited = once(child, "exit")
    child.stdin!.end("unlock\n")
    await exited
  }
}

/**
 * An assistant message: not classified, so while the store is locked an ingest waits on the lock for
 * its transcript write only, not for the interaction store's writes as well.
 */
const ingest = async (url: string, sessionId: string, messageId: string) => {
  const response = await fetch(`${url}/messages/ingest`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, messageId, role: "assistant", text: `text of ${messageId}` })
  })
  return { messageId, status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Every message id the store holds for the session, in transcript order, repeats included. */
const storedIds = async (url: string, sessionId: string) => {
  const response = await fetch(`${url}/sessions/${sessionId}/messages?limit=200`)
  const page = (await response.json()) as { items: Array<{ messageId: string }> }
  return page.items.map((item) => item.messageId)
}

it("a message answered queued while the store was locked is stored exactly once after kill -9 and a restart", async () => {
  const first = await serve()
  const sessions = ["crash-a", "crash-b"]
  // Each session is written once while the store answers: this process knows its owner and privacy.
  const seen = await Promise.all(sessions.map((sessionId) => ingest(first.url, sessionId, `${sessionId}-0`)))
  expect(seen.map((answer) => answer.body["persisted"])).toEqual([true, true])

  const unlock = await lockStore()
  const answers = []
  for (let index = 1; index <= 3; index++) {
    for (const sessionId of sessions)
      answers.push(await ingest(first.url, sessionId, `${sessionId}-${index}`))
  }
  first.child.kill("SIGKILL")
  await once(first.child, "exit")
  await unlock()

  // Acknowledged means queued (this test's point) or persisted; anything else must be a 503.
  const acknowledged = answers.filter((answer) => answer.status === 200)
  expect(
    acknowledged.every((answer) => answer.body["persisted"] === true || answer.body["queued"] === true)
  ).toBe(true)
  expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 503)).toBe(
    true
  )
  expect(acknowledged.filter((answer) => answer.body["queued"] === true).length).toBeGreaterThan(0)

  const second = await serve()
  try {
    for (const sessionId of sessions) {
      const expected = [...seen, ...acknowledged]
        .filter((answer) => answer.messageId.startsWith(sessionId))
        .map((answer) => answer.messageId)
      await vi.waitFor(async () => expect(await storedIds(second.url, sessionId)).toEqual(expected), {
        timeout: 15_000,
        interval: 200
      })
    }
  } finally {
    second.child.kill("SIGTERM")
    await once(second.child, "exit")
  }
}, 90_000)
