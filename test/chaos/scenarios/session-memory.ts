import { join } from "node:path"
import { formatCounts, formatMiB, MiB, tally } from "../figures.ts"
import { send } from "../http.ts"
import { sampleRss } from "../rss-sampler.ts"
import type { Scenario } from "../scenario.ts"
import { startService } from "../service-process.ts"

/** The largest message text the contract takes (MAX_TEXT_LENGTH), one per session. */
const TEXT_CHARS = 32_000
const WRITERS = 8
/** Sessions written and deleted before the baseline is read, as a share of the sessions. */
const WARM_UP_SHARE = 0.25
/**
 * Growth allowed beside the budget: the service's own state, some fixed and some per session outside
 * session memory (its owner in the owner cache, its summary, its rate-limit bucket). This suite printed,
 * after a collection, +12 and +14 MiB for 1,000 sessions with a 1 MiB budget and +85 MiB for 7,500
 * with a 64 MiB budget; without a byte budget the text alone would be 32 KB a session.
 */
const FIXED_ALLOWANCE_BYTES = 16 * MiB
const ALLOWANCE_PER_SESSION_BYTES = 2 * 1024

/**
 * Many sessions of one 32,000-character message each (the assistant's, so no classifier runs), from a
 * user who opted out, so session memory holds the only copy: after a full garbage collection the
 * service's RSS has grown by less than SESSION_MEMORY_MAX_BYTES and an allowance of 16 MiB and 2 KiB per session.
 */
export const sessionMemory: Scenario = {
  name: "session-memory",
  run: async ({ scale, random, workDir }) => {
    const budget = scale.sessionMemoryBudgetBytes
    const service = await startService({
      dataDir: join(workDir, "data"),
      env: { SESSION_MEMORY_MAX_BYTES: String(budget) },
      inspect: true
    })
    try {
      const optOut = await send(service.url, "PUT", "/settings/privacy", {
        body: { transcriptPersistenceOptOut: true }
      })
      if (optOut.status !== 200) throw new Error(`opting out answered ${optOut.status}`)
      const outcomes: Array<string> = []
      let next = 0
      const ingest = async (until: number) => {
        while (next < until) {
          const index = next++
          const filler = String.fromCharCode(97 + random.int(0, 25))
          const answer = await send(service.url, "POST", "/messages/ingest", {
            body: {
              sessionId: `memory-${index}`,
              messageId: "m",
              role: "assistant",
              text: `${index} `.padEnd(TEXT_CHARS, filler)
            }
          })
          const body = answer.body as { skippedReason?: string } | undefined
          outcomes.push(answer.status === 200 ? (body?.skippedReason ?? "persisted") : String(answer.status))
        }
      }
      const load = (until: number) => Promise.all(Array.from({ length: WRITERS }, () => ingest(until)))
      // The heap grows to what this load's garbage needs whether or not anything is kept: written
      // and deleted first, so that the growth after it is what memory keeps.
      const warmUp = Math.ceil(scale.sessions * WARM_UP_SHARE)
      await load(warmUp)
      for (let index = 0; index < warmUp; index++)
        await send(service.url, "DELETE", `/sessions/memory-${index}`)
      await service.collectGarbage()
      const before = service.rssBytes()
      const rss = sampleRss(service)
      await load(warmUp + scale.sessions)
      const peak = rss.stop()
      await service.collectGarbage()
      const after = service.rssBytes()
      const allowance = FIXED_ALLOWANCE_BYTES + ALLOWANCE_PER_SESSION_BYTES * (warmUp + scale.sessions)
      const limit = before + budget + allowance
      const counts = tally(outcomes)
      return {
        scenario: "session-memory",
        count: scale.sessions,
        figures:
          `opted-out sessions of ${TEXT_CHARS} characters: ${formatCounts(counts)}; SESSION_MEMORY_MAX_BYTES ${formatMiB(budget)}; ` +
          `RSS after a full collection ${formatMiB(before)} before, ${formatMiB(after)} after (limit ${formatMiB(limit)}: before + budget + ${formatMiB(allowance)}); peak ${formatMiB(peak)}`,
        checks: [
          { name: "every message held in memory only", passed: counts["user_opt_out"] === outcomes.length },
          { name: "RSS under before + budget + allowance", passed: after < limit }
        ]
      }
    } finally {
      await service.stop()
    }
  }
}
