import { afterAll, describe, expect, it } from "vitest"
import { failedChecks, type ScenarioResult } from "./scenario.ts"
import { scales } from "./scale.ts"
import { killChildren } from "./service-process.ts"
import { runScenario, scenarios } from "./suite.ts"
import { formatTable } from "./table.ts"

const results: Array<ScenarioResult> = []
const log = () => undefined

/** The fault suite at its small scale: the same scenarios as `npm run chaos`, with small counts. */
describe("fault suite (npm run chaos), small scale", () => {
  afterAll(() => {
    killChildren()
    console.log(formatTable(results))
  })

  for (const scenario of scenarios) {
    it(
      scenario.name,
      async () => {
        const result = await runScenario(scenario, { scale: scales.small, seed: 1, log })
        results.push(result)
        expect(failedChecks(result), result.figures).toEqual([])
      },
      180_000
    )
  }
})
