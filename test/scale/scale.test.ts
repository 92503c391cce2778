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

/** Session `index`'s first 30 user messages of the scripted conversations from its own on. */
const userScriptOf = (index: number): ReadonlyArray<string> => {
  const texts: Array<string> = []
  for (let next = index; texts.length < MESSAGES_PER_SESSION; next++)
    for (const message of conversations[next % conversations.length]!.messages)
      if (message.role === "user") texts.push(message.text)
  return texts.slice(0, MESSAGES_PER_SESSION)
}

interface Classified {
  readonly decision: string
  readonly applied: string
  readonly confidence: number
  readonly groupId: string | null
}

/** Ingests one message on `service`; answers its classification (a user message's). */
const ingest = async (
  service: ServiceProcess,
  sessionId: string,
  messageId: string,
  message: ScriptedMessage
): Promise<Classified | undefined> => {
  const answer = await send(service.url, "POST", "/messages/ingest", {
    body: { sessionId, messageId, ...message }
  })
  expect(answer.status).toBe(200)
  const classification = (answer.body as { classification?: Classified }).classification
  if (message.role === "user") expect(classification).toBeDefined()
  return classification
}

/**
 * A session's classifications, labelled, in the order given, with groups numbered in the order they
 * appear (ids differ between runs).
 */
const described = (classifications: ReadonlyArray<readonly [string, Classified]>) => {
  const groups = new Map<string, number>()
  return classifications.map(([label, { decision, applied, confidence, groupId }]) => {
    const group = groupId === null ? "-" : (groups.get(groupId) ?? groups.set(groupId, groups.size).size - 1)
    return `${label}:${decision}/${applied}/${confidence.toFixed(6)}/group ${group}`
  })
}

/**
 * Runs the script: 20 sessions at once, each session's messages in order (a client awaits each
 * answer), its n-th request on `pick(session, n)`. Answers each session's user messages as classified.
 */
const runScript = (prefix: string, pick: (session: number, request: number) => ServiceProcess) =>
  Promise.all(
    Array.from({ length: SESSIONS }, async (_, session) => {
      const classified: Array<readonly [string, Classified]> = []
      for (const [index, message] of scriptOf(session).entries()) {
        const classification = await ingest(
          pick(session, index),
          `${prefix}-${session}`,
          `m-${index}`,
          message
        )
        if (classification !== undefined) classified.push([String(index), classification])
      }
      return described(classified)
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

it("classifies a session's consecutive messages sent to two processes at once as one process does, in the store's order", async () => {
  const started = performance.now()
  const sessionIds = Array.from({ length: SESSIONS }, (_, session) => `pairs-${session}`)
  // Two by two: each pair at once on two processes, neither request waiting for the other's answer.
  const spread = await Promise.all(
    sessionIds.map(async (sessionId, session) => {
      const answers = new Map<string, Classified>()
      const texts = userScriptOf(session)
      for (let index = 0; index < texts.length; index += 2)
        await Promise.all(
          texts.slice(index, index + 2).map(async (text, offset) => {
            const messageId = `m-${index + offset}`
            const service = cluster.pick(session, index + offset)
            answers.set(messageId, (await ingest(service, sessionId, messageId, { role: "user", text }))!)
          })
        )
      return answers
    })
  )
  // The order the store took each session's messages in: whichever of a pair it took first.
  const db = new DatabaseSync(join(cluster.dataDir, "coachup.sqlite"), { readOnly: true })
  const orders = sessionIds.map(
    (sessionId) =>
      db
        .prepare("SELECT message_id AS messageId, text FROM messages WHERE session_id = ? ORDER BY seq")
        .all(sessionId) as Array<{ messageId: string; text: string }>
  )
  db.close()
  // One process, the same messages one after another in that order.
  const alone = await Promise.all(
    sessionIds.map(async (sessionId, session) => {
      const classified: Array<readonly [string, Classified]> = []
      for (const { messageId, text } of orders[session]!)
        classified.push([
          messageId,
          (await ingest(single.services[0]!, sessionId, messageId, { role: "user", text }))!
        ])
      return described(classified)
    })
  )
  const inStoreOrder = orders.map((order, session) =>
    described(order.map(({ messageId }) => [messageId, spread[session]!.get(messageId)!] as const))
  )
  // Each pair holds two places of its own: a pair taken second first leaves both out of place.
  const swapped =
    orders.flatMap((order) => order.filter(({ messageId }, position) => messageId !== `m-${position}`))
      .length / 2
  const waits = (await cluster.scrape()).map((samples) =>
    total(samples, "coachup_classification_order_waits_total", { outcome: "arrived" })
  )
  const differing = inStoreOrder.filter(
    (session, index) => JSON.stringify(session) !== JSON.stringify(alone[index])
  )
  figures.push(
    `classification of pairs sent at once: ${SESSIONS} sessions × ${MESSAGES_PER_SESSION} user messages, ` +
      `${swapped} pairs taken second first by the store, ${waits.reduce((sum, n) => sum + n, 0)} classifications waited ` +
      `for the one before them, ${differing.length} sessions differing from one process in the store's order ` +
      `(${Math.round(performance.now() - started)} ms)`
  )
  expect(inStoreOrder).toEqual(alone)
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
