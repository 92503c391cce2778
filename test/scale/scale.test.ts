import { readFileSync } from "node:fs"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { send, storedMessages, streamChat } from "../chaos/http.ts"
import type { ServiceProcess } from "../chaos/service-process.ts"
import { total } from "../support/prometheus-text.ts"
import { type Cluster, startCluster } from "./cluster.ts"

const PROCESSES = 3
const SESSIONS = 20
const MESSAGES_PER_SESSION = 30
/** One session's ingest budget: what the service as a whole allows it per minute. */
const SESSION_LIMIT = 40
const SETTINGS = {
  RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE: String(SESSION_LIMIT),
  RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "100000",
  ASSESSMENT_POLL_MS: "50",
  // Four service processes, vitest and whatever else shares a CI machine's cores: a process holding the
  // file's write lock can wait seconds for a core, and the others wait for it up to this deadline.
  STORE_TIMEOUT_MS: "15000",
  OFFLINE_TOKEN_DELAY_MS: "30"
}

interface ScriptedMessage {
  readonly role: "user" | "assistant"
  readonly text: string
}
const conversations = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "scenarios", "conversations.json"), "utf8")
) as ReadonlyArray<{ readonly messages: ReadonlyArray<ScriptedMessage> }>

/** Session `index`'s 30 messages: the scripted conversations from its own, one after another. */
const scriptOf = (index: number): ReadonlyArray<ScriptedMessage> => {
  const messages: Array<ScriptedMessage> = []
  for (let next = index; messages.length < MESSAGES_PER_SESSION; next++)
    messages.push(...conversations[next % conversations.length]!.messages)
  return messages.slice(0, MESSAGES_PER_SESSION)
}

interface Classified {
  readonly decision: string
  readonly applied: string
  readonly confidence: number
  readonly groupId: string | null
}

/**
 * Runs the script: 20 sessions at once, each session's messages in order (a client awaits each
 * answer), its n-th request on `pick(session, n)`. Answers each session's user messages as
 * classified, with groups numbered in the order they appear (ids differ between runs).
 */
const runScript = (prefix: string, pick: (session: number, request: number) => ServiceProcess) =>
  Promise.all(
    Array.from({ length: SESSIONS }, async (_, session) => {
      const classified: Array<string> = []
      const groups = new Map<string, number>()
      for (const [index, message] of scriptOf(session).entries()) {
        const answer = await send(pick(session, index).url, "POST", "/messages/ingest", {
          body: { sessionId: `${prefix}-${session}`, messageId: `m-${index}`, ...message }
        })
        expect(answer.status).toBe(200)
        const classification = (answer.body as { classification?: Classified }).classification
        if (message.role === "user") {
          expect(classification).toBeDefined()
          const { decision, applied, confidence, groupId } = classification!
          const group =
            groupId === null ? "-" : (groups.get(groupId) ?? groups.set(groupId, groups.size).size - 1)
          classified.push(`${index}:${decision}/${applied}/${confidence.toFixed(6)}/group ${group}`)
        }
      }
      return classified
    })
  )

let cluster: Cluster
let single: Cluster
const figures: Array<string> = []

beforeAll(async () => {
  ;[cluster, single] = await Promise.all([
    startCluster({ processes: PROCESSES, env: SETTINGS }),
    startCluster({ processes: 1, env: SETTINGS })
  ])
}, 180_000)

afterAll(async () => {
  const codes = await Promise.all([cluster?.stop(), single?.stop()])
  console.info(["multi-process suite (3 processes, one SQLite file):", ...figures].join("\n  "))
  expect(codes.flat()).toEqual([0, 0, 0, 0])
}, 60_000)

it("holds one session's rate limit for the service as a whole", async () => {
  const started = performance.now()
  const answers = await Promise.all(
    Array.from({ length: 3 * SESSION_LIMIT }, (_, index) =>
      send(cluster.pick(0, index).url, "POST", "/messages/ingest", {
        body: {
          sessionId: "rate-limited",
          messageId: `r-${index}`,
          role: "assistant",
          text: `reply ${index}`
        }
      })
    )
  )
  const elapsedMs = performance.now() - started
  const accepted = answers.filter((answer) => answer.status === 200).length
  const refused = answers.filter((answer) => answer.status === 429)
  // A token comes back every 60 s / limit: a few may have while the requests ran.
  const refilled = Math.floor(elapsedMs / (60_000 / SESSION_LIMIT))
  figures.push(
    `rate limit: ${accepted} of ${answers.length} requests accepted across ${PROCESSES} processes ` +
      `(limit ${SESSION_LIMIT}/min, ${refilled} refilled in ${Math.round(elapsedMs)} ms; per-process buckets would accept ${answers.length}), ` +
      `${refused.length} answered 429`
  )
  expect(accepted).toBeGreaterThanOrEqual(SESSION_LIMIT)
  expect(accepted).toBeLessThanOrEqual(SESSION_LIMIT + refilled)
  expect(accepted + refused.length).toBe(answers.length)
  for (const answer of refused) expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
}, 60_000)

it("classifies 20 sessions × 30 messages spread over three processes exactly as one process does", async () => {
  const started = performance.now()
  const spread = await runScript("script", cluster.pick)
  const alone = await runScript("script", single.pick)
  const classified = spread.flat().length
  const differing = spread.filter(
    (session, index) => JSON.stringify(session) !== JSON.stringify(alone[index])
  )
  figures.push(
    `classification: ${classified} user messages of ${SESSIONS} sessions × ${MESSAGES_PER_SESSION} messages, ` +
      `${differing.length} sessions differing from one process (${Math.round(performance.now() - started)} ms)`
  )
  expect(spread).toEqual(alone)
}, 180_000)

it("leaves nothing of a session deleted on one process while another streams its reply", async () => {
  const [streaming, deleting] = [cluster.services[0]!, cluster.services[1]!]
  let deleted: Promise<number> | undefined
  const turn = await streamChat(
    streaming.url,
    { sessionId: "deleted-mid-reply", messageId: "prompt", prompt: "Let me practise asking for a raise." },
    {
      onText: () => {
        deleted ??= send(deleting.url, "DELETE", "/sessions/deleted-mid-reply").then(
          (answer) => answer.status
        )
      }
    }
  )
  expect(await deleted).toBe(200)
  // Past the reply's last write, and a save interval after it.
  await sleep(1_500)
  const db = new DatabaseSync(join(cluster.dataDir, "coachup.sqlite"), { readOnly: true })
  const count = (table: string) =>
    Number(
      (
        db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE session_id = ?`).get("deleted-mid-reply") as {
          n: number
        }
      ).n
    )
  const left = ["messages", "session_interactions", "message_classifications", "interaction_groups"].map(
    count
  )
  db.close()
  const listed = await Promise.all(
    cluster.services.map((service) => storedMessages(service.url, "deleted-mid-reply"))
  )
  figures.push(
    `deletion: reply ended ${turn.ending} after ${turn.text.length} text parts; rows left in the file ` +
      `(messages, interaction, classifications, groups): ${left.join(", ")}; messages listed by each process: ` +
      `${listed.map((items) => items?.length).join(", ")}`
  )
  expect(left).toEqual([0, 0, 0, 0])
  expect(listed).toEqual([[], [], []])
}, 60_000)

it("assesses every closed interaction exactly once, whichever process's worker claims it", async () => {
  const db = new DatabaseSync(join(cluster.dataDir, "coachup.sqlite"), { readOnly: true })
  const jobs = () =>
    db.prepare("SELECT group_id AS groupId, status, attempts FROM assessment_jobs").all() as Array<{
      groupId: string
      status: string
      attempts: number
    }>
  await vi.waitFor(() => expect(jobs().filter((job) => job.status !== "completed")).toEqual([]), {
    timeout: 60_000,
    interval: 200
  })
  const done = jobs()
  db.close()
  const scrapes = await cluster.scrape()
  const completedBy = scrapes.map((samples) =>
    total(samples, "coachup_assessment_jobs_total", { outcome: "completed" })
  )
  figures.push(
    `assessments: ${done.length} closed interactions, each completed with ${[...new Set(done.map((job) => job.attempts))].join("/")} attempt(s); ` +
      `completed by process: ${completedBy.join(" + ")} = ${completedBy.reduce((sum, n) => sum + n, 0)}`
  )
  // A claim whose worker could not complete it in time is claimed again (attempts > 1); a result is
  // stored once, by the worker holding the lease.
  expect(done.length).toBeGreaterThan(0)
  expect(completedBy.reduce((sum, n) => sum + n, 0)).toBe(done.length)
}, 90_000)
