import type { Random } from "./random.ts"
import type { Scale } from "./scale.ts"

/** One thing a scenario requires, and whether it held. */
export interface Check {
  readonly name: string
  readonly passed: boolean
}

/** What a scenario did and measured. */
export interface ScenarioResult {
  readonly scenario: string
  /** How many times it did its thing: kills, requests, attempts, sessions. */
  readonly count: number
  /** The measured figures, as the table prints them. */
  readonly figures: string
  readonly checks: ReadonlyArray<Check>
}

export const passed = (result: ScenarioResult) => result.checks.every((check) => check.passed)

export const failedChecks = (result: ScenarioResult) =>
  result.checks.filter((check) => !check.passed).map((check) => check.name)

export interface ScenarioContext {
  readonly scale: Scale
  /** This scenario's own seeded source. */
  readonly random: Random
  /** A fresh directory for the scenario's data directories, removed after it. */
  readonly workDir: string
  /** Progress for the operator (stderr). */
  readonly log: (message: string) => void
}

/** A fault scenario against the real service: it starts what it needs and stops it again. */
export interface Scenario {
  readonly name: string
  readonly run: (context: ScenarioContext) => Promise<ScenarioResult>
}
