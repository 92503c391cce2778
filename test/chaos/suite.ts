import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { seeded } from "./random.ts"
import type { Scale } from "./scale.ts"
import type { Scenario, ScenarioResult } from "./scenario.ts"
import { deletionMarker } from "./scenarios/deletion-marker.ts"
import { hostileRequests } from "./scenarios/hostile-requests.ts"
import { killDuringWork } from "./scenarios/kill-during-work.ts"
import { killMidStream } from "./scenarios/kill-mid-stream.ts"
import { lockedStore } from "./scenarios/locked-store.ts"
import { sessionMemory } from "./scenarios/session-memory.ts"
import { streamCap } from "./scenarios/stream-cap.ts"

/** Every scenario, in the order the table lists them. */
export const scenarios: ReadonlyArray<Scenario> = [
  killDuringWork,
  killMidStream,
  lockedStore,
  hostileRequests,
  streamCap,
  sessionMemory,
  deletionMarker
]

export interface SuiteOptions {
  readonly scale: Scale
  readonly seed: number
  readonly log: (message: string) => void
}

/** Runs one scenario in a directory of its own; a scenario that throws is a failed row, not a crash. */
export const runScenario = async (scenario: Scenario, options: SuiteOptions): Promise<ScenarioResult> => {
  const workDir = await mkdtemp(join(tmpdir(), `coachup-chaos-${scenario.name}-`))
  try {
    return await scenario.run({
      scale: options.scale,
      random: seeded(options.seed).fork(scenario.name),
      workDir,
      log: (message) => options.log(`[${scenario.name}] ${message}`)
    })
  } catch (error) {
    options.log(
      `[${scenario.name}] did not finish: ${error instanceof Error ? error.message : String(error)}`
    )
    return {
      scenario: scenario.name,
      count: 0,
      figures: `did not finish: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
      checks: [{ name: "finished", passed: false }]
    }
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}
