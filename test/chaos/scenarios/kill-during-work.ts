import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { chatOutcome, ingestOutcome, isAcknowledged, isHonest, type Outcome } from "../acknowledgement.ts"
import { formatCounts, tally } from "../figures.ts"
import { send, storedMessages, streamChat } from "../http.ts"
import type { Random } from "../random.ts"
import type { Scenario } from "../scenario.ts"
import { type ServiceProcess, startService } from "../service-process.ts"
import { lockStore, type StoreLock } from "../store-lock.ts"

type Work = "ingest burst" | "chat turns" | "assessment work"
const WORKS: ReadonlyArray<Work> = ["ingest burst", "chat turns", "assessment work"]

/** Concurrent writers per round, each in a session of its own. */
const WRITERS = 3
/**
 * The kill comes at a seeded point: after a seeded number of writes were answered (a kill before any
 * answer checks nothing), and a seeded delay more; or, should no answer come, after `KILL_BY_MS`.
 */
const ANSWERS_BEFORE_KILL = { min: 1, max: 8 }
const KILL_DELAY_MS = { min: 0, max: 500 }
const KILL_BY_MS = 20_000
/** After a restart, acknowledged messages (an outbox drains in the background) must land within this. */
const LANDING_MS = 15_000
/** After the last restart, every assessment must be completed or failed within this. */
const ASSESSMENTS_SETTLE_MS = 30_000

const SERVICE_ENV = {
  OFFLINE_TOKEN_DELAY_MS: "5",
  ASSESSMENT_WORKERS: "2",
  ASSESSMENT_POLL_MS: "50",
  ASSESSMENT_TIMEOUT_MS: "2000",
  ASSESSMENT_RETRY_BASE_MS: "200"
}

const OPENERS = [
  "Can you give me feedback on this opener: 'I need a decision by Friday'?",
  "How did that sound: 'I'd like to talk about my workload'?",
  "Could you rate this: 'I felt ignored in the meeting'?"
]

interface Write {
  readonly sessionId: string
  readonly messageId: string
  readonly outcome: Outcome
}

/** One writer: writes its session's messages one after another until `stopped`. */
const writer = async (
  work: Work,
  url: string,
  sessionId: string,
  random: Random,
  stopped: () => boolean,
  record: (write: Write) => void
) => {
  for (let index = 0; !stopped(); index++) {
    const messageId = `m-${index}`
    if (work === "chat turns") {
      const turn = await streamChat(url, {
        sessionId,
        messageId,
        prompt: `Practice line ${index} for ${sessionId}`
      })
      record({ sessionId, messageId, outcome: chatOutcome(turn) })
      if (turn.status === 0) return
    } else {
      const role = work === "ingest burst" && index % 2 === 1 ? "assistant" : "user"
      const text =
        work === "assessment work"
          ? random.pick(OPENERS)
          : `Burst message ${index} of ${sessionId} from the ${role}`
      const answer = await send(url, "POST", "/messages/ingest", {
        body: { sessionId, messageId, role, text }
      })
      record({ sessionId, messageId, outcome: ingestOutcome(answer) })
      if (answer.status === 0) return
    }
  }
}

/** Reads the sessions until every acknowledged message is there (or `LANDING_MS` passed). */
const landed = async (url: string, writes: ReadonlyArray<Write>) => {
  const sessions = [...new Set(writes.map((write) => write.sessionId))]
  const deadline = Date.now() + LANDING_MS
  for (;;) {
    const stored = new Map(
      await Promise.all(
        sessions.map(async (sessionId) => [sessionId, await storedMessages(url, sessionId)] as const)
      )
    )
    const lost = writes.filter(
      (write) =>
        isAcknowledged(write.outcome) &&
        !(stored.get(write.sessionId) ?? []).some((message) => message.messageId === write.messageId)
    )
    if (lost.length === 0 || Date.now() > deadline) {
      const duplicated = [...stored.values()].reduce((count, items = []) => {
        const ids = items.map((item) => item.messageId)
        return count + ids.length - new Set(ids).size
      }, 0)
      return {
        lost: lost.length,
        duplicated,
        unreadable: [...stored.values()].filter((items) => items === undefined).length
      }
    }
    await sleep(250)
  }
}

/** Waits until no assessment of the sessions is pending or running; answers how many still are. */
const unfinishedAssessments = async (url: string, sessions: ReadonlyArray<string>) => {
  const deadline = Date.now() + ASSESSMENTS_SETTLE_MS
  for (;;) {
    const statuses = (
      await Promise.all(
        sessions.map(async (sessionId) => {
          const answer = await send(url, "GET", `/sessions/${sessionId}/assessments`)
          const body = answer.body as { assessments?: ReadonlyArray<{ status: string }> }
          return answer.status === 200 ? (body.assessments ?? []).map(({ status }) => status) : []
        })
      )
    ).flat()
    const unfinished = statuses.filter((status) => status === "pending" || status === "running").length
    if (unfinished === 0 || Date.now() > deadline) return { assessments: statuses.length, unfinished }
    await sleep(250)
  }
}

/**
 * `kill -9` at seeded points of ingest bursts, chat turns and assessment work, some rounds with the
 * store file locked by another process; after each restart every message answered persisted or
 * queued (or whose chat stream started) is in the store exactly once, and every refusal was a 503.
 */
export const killDuringWork: Scenario = {
  name: "kill-during-work",
  run: async ({ scale, random, workDir, log }) => {
    const dataDir = join(workDir, "data")
    let service: ServiceProcess = await startService({ dataDir, env: SERVICE_ENV })
    const writes: Array<Write> = []
    const rounds: Array<{ work: Work; locked: boolean }> = []
    const damage = { lost: 0, duplicated: 0, unreadable: 0 }
    const offset = random.int(0, WORKS.length - 1)
    try {
      for (let round = 0; round < scale.kills; round++) {
        const work = WORKS[(round + offset) % WORKS.length]!
        const locked = round === 0 || random.chance(0.4)
        rounds.push({ work, locked })
        const lock: StoreLock | undefined = locked ? await lockStore(dataDir, 60_000) : undefined
        const roundWrites: Array<Write> = []
        const answersBeforeKill = random.int(ANSWERS_BEFORE_KILL.min, ANSWERS_BEFORE_KILL.max)
        let answered: () => void = () => undefined
        const enoughAnswers = new Promise<void>((resolve) => (answered = resolve))
        let stopped = false
        const url = service.url
        const writers = Array.from({ length: WRITERS }, (_, index) =>
          writer(
            work,
            url,
            `r${round}-${index}`,
            random.fork(`${round}-${index}`),
            () => stopped,
            (write) => {
              roundWrites.push(write)
              if (roundWrites.filter(({ outcome }) => outcome !== "unanswered").length >= answersBeforeKill)
                answered()
            }
          )
        )
        const started = performance.now()
        await Promise.race([enoughAnswers, sleep(KILL_BY_MS)])
        await sleep(random.int(KILL_DELAY_MS.min, KILL_DELAY_MS.max))
        const killAfter = Math.round(performance.now() - started)
        await service.kill()
        stopped = true
        await Promise.all(writers)
        await lock?.release()
        service = await startService({ dataDir, env: SERVICE_ENV })
        const result = await landed(service.url, roundWrites)
        damage.lost += result.lost
        damage.duplicated += result.duplicated
        damage.unreadable += result.unreadable
        writes.push(...roundWrites)
        log(
          `kill ${round + 1}/${scale.kills}: ${work}${locked ? ", store locked" : ""}, after ${killAfter} ms ` +
            `(${answersBeforeKill} answers wanted): ` +
            `${formatCounts(tally(roundWrites.map((write) => write.outcome)))}; lost ${result.lost}, duplicated ${result.duplicated}`
        )
      }
      const assessmentSessions = rounds.flatMap(({ work }, round) =>
        work === "assessment work" ? Array.from({ length: WRITERS }, (_, index) => `r${round}-${index}`) : []
      )
      const assessments =
        assessmentSessions.length === 0
          ? { assessments: 0, unfinished: 0 }
          : await unfinishedAssessments(service.url, assessmentSessions)
      const dishonest = writes.filter((write) => !isHonest(write.outcome)).length
      return {
        scenario: "kill-during-work",
        count: rounds.length,
        figures:
          `kills ${rounds.length} (${rounds.filter(({ locked }) => locked).length} with the store locked; ` +
          `${formatCounts(tally(rounds.map(({ work }) => work)))}); answers: ${formatCounts(tally(writes.map((write) => write.outcome)))}; ` +
          `lost ${damage.lost}, duplicated ${damage.duplicated}; assessments ${assessments.assessments}, unfinished ${assessments.unfinished}`,
        checks: [
          { name: `≥ ${scale.kills} kills`, passed: rounds.length >= scale.kills },
          { name: "0 acknowledged messages lost", passed: damage.lost === 0 && damage.unreadable === 0 },
          { name: "0 duplicated", passed: damage.duplicated === 0 },
          { name: "every answer persisted, queued or 503 with Retry-After", passed: dishonest === 0 },
          { name: "assessments finish after restart", passed: assessments.unfinished === 0 }
        ]
      }
    } finally {
      await service.stop()
    }
  }
}
