import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { ingestOutcome, isHonest, type Outcome } from "../acknowledgement.ts"
import { formatCounts, formatMs, percentile, tally } from "../figures.ts"
import { send } from "../http.ts"
import type { Scenario } from "../scenario.ts"
import { startService } from "../service-process.ts"
import { lockStore } from "../store-lock.ts"

/** The issue's figure for /healthz while the store is locked; other sessions' reads are held to it too. */
const P99_LIMIT_MS = 50
const READ_SESSIONS = 4
const MESSAGES_PER_SESSION = 5
const WRITERS = 2

interface Sample {
  readonly status: number
  readonly ms: number
  readonly complete: boolean
}

/** Repeats `request` with `pauseMs` between calls until `stopped`. */
const poll = async (request: (index: number) => Promise<Sample>, pauseMs: number, stopped: () => boolean) => {
  const samples: Array<Sample> = []
  for (let index = 0; !stopped(); index++) {
    samples.push(await request(index))
    await sleep(pauseMs)
  }
  return samples
}

const summary = (samples: ReadonlyArray<Sample>) => ({
  answered: samples.filter((sample) => sample.status === 200 && sample.complete).length,
  p99: percentile(
    samples.map((sample) => sample.ms),
    99
  ),
  max: Math.max(...samples.map((sample) => sample.ms))
})

/**
 * Another process holds the store file locked (`BEGIN EXCLUSIVE`) while clients write to some
 * sessions: /healthz and reads of other sessions keep answering fast, and every write is answered
 * persisted, queued or 503.
 */
export const lockedStore: Scenario = {
  name: "locked-store",
  run: async ({ scale, workDir, log }) => {
    const dataDir = join(workDir, "data")
    const service = await startService({ dataDir })
    try {
      const readSessions = Array.from({ length: READ_SESSIONS }, (_, index) => `read-${index}`)
      for (const sessionId of readSessions)
        for (let index = 0; index < MESSAGES_PER_SESSION; index++)
          await send(service.url, "POST", "/messages/ingest", {
            body: {
              sessionId,
              messageId: `m-${index}`,
              role: "user",
              text: `Stored before the lock, ${index}`
            }
          })
      const lock = await lockStore(dataDir, scale.lockMs + 30_000)
      let stopped = false
      const health = poll(
        async () => {
          const answer = await send(service.url, "GET", "/healthz")
          return { status: answer.status, ms: answer.ms, complete: true }
        },
        20,
        () => stopped
      )
      const reads = poll(
        async (index) => {
          const answer = await send(
            service.url,
            "GET",
            `/sessions/${readSessions[index % READ_SESSIONS]}/messages`
          )
          const items = (answer.body as { items?: ReadonlyArray<unknown> } | undefined)?.items
          return { status: answer.status, ms: answer.ms, complete: items?.length === MESSAGES_PER_SESSION }
        },
        50,
        () => stopped
      )
      const outcomes: Array<Outcome> = []
      const writers = Array.from({ length: WRITERS }, async (_, writer) => {
        for (let index = 0; !stopped; index++) {
          const answer = await send(service.url, "POST", "/messages/ingest", {
            body: {
              sessionId: `locked-${writer}`,
              messageId: `m-${index}`,
              role: "user",
              text: `Written during the lock, ${index}`
            }
          })
          outcomes.push(ingestOutcome(answer))
        }
      })
      await sleep(scale.lockMs)
      stopped = true
      const [healthSamples, readSamples] = await Promise.all([health, reads])
      await lock.release()
      await Promise.all(writers)
      const healthz = summary(healthSamples)
      const read = summary(readSamples)
      log(`healthz p99 ${formatMs(healthz.p99)}, reads p99 ${formatMs(read.p99)}`)
      const lockSeconds = (scale.lockMs / 1000).toFixed(0)
      return {
        scenario: "locked-store",
        count: healthSamples.length + readSamples.length + outcomes.length,
        figures:
          `store locked ${lockSeconds} s: /healthz ${healthz.answered}/${healthSamples.length} answered, p99 ${formatMs(healthz.p99)}, max ${formatMs(healthz.max)}; ` +
          `other sessions' reads ${read.answered}/${readSamples.length} answered in full, p99 ${formatMs(read.p99)}, max ${formatMs(read.max)}; ` +
          `writes: ${formatCounts(tally(outcomes))}`,
        checks: [
          { name: `/healthz p99 < ${P99_LIMIT_MS} ms`, passed: healthz.p99 < P99_LIMIT_MS },
          { name: "/healthz always answered", passed: healthz.answered === healthSamples.length },
          { name: `reads p99 < ${P99_LIMIT_MS} ms`, passed: read.p99 < P99_LIMIT_MS },
          { name: "reads answered in full", passed: read.answered === readSamples.length },
          { name: "writes persisted, queued or 503", passed: outcomes.every(isHonest) }
        ]
      }
    } finally {
      await service.stop()
    }
  }
}
