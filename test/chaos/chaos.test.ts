import { afterAll, describe, expect, it } from "vitest"
import { failedChecks, type ScenarioResult } from "./scenario.ts"
import { scales } from "./scale.ts"
import { killChildren } from "./service-process.ts"
import { runScenario, scenarios } from "./suite.ts"
import { formatTable } from "./table.ts"

/**
 * Scenarios that fail on this branch because what they check is not built here yet, with what
 * builds it. Each must run to its end and fail a check; when the feature lands and the scenario
 * passes, its test fails until the entry is removed here, so the suite then holds the feature to it.
 */
const PENDING: Readonly<Record<string, string>> = {
  "kill-during-work":
    "a durable outbox: queued or 503 with Retry-After, never a 200 that is lost (#15 item 1)",
  "kill-mid-stream": "reply text saved as it grows, in_progress marked incomplete at start-up (#15 item 3)",
  "locked-store": "SQLite off the event loop or with asynchronous lock retries (#15 item 2)",
  "hostile-requests":
    "Node's own 400 for an HTTP/1.1 request without Host has no error envelope (#15 item 5)",
  "stream-cap": "global and per-user stream caps (#15 item 4)",
  "session-memory": "the session memory byte budget, SESSION_MEMORY_MAX_BYTES (#15 item 4)"
}

const results: Array<ScenarioResult> = []
const log = () => undefined

/** The fault suite at its small scale: the same scenarios as `npm run chaos`, with small counts. */
describe("fault suite (npm run chaos), small scale", () => {
  afterAll(() => {
    killChildren()
    console.log(formatTable(results))
  })

  for (const scenario of scenarios) {
    const pending = PENDING[scenario.name]
    it(
      pending === undefined ? scenario.name : `${scenario.name} (pending: ${pending})`,
      async () => {
        const result = await runScenario(scenario, { scale: scales.small, seed: 1, log })
        results.push(result)
        if (pending === undefined) expect(failedChecks(result), result.figures).toEqual([])
        else {
          expect(failedChecks(result), result.figures).not.toContain("finished")
          expect(failedChecks(result), `${scenario.name} passes now: remove it from PENDING`).not.toEqual([])
        }
      },
      180_000
    )
  }
})
