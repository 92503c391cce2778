/**
 * What of the minimal Effect `HttpApi` server's cost is whose: the same ingest write served by each
 * rung from the bare `node:http` server up to the minimal `HttpApi` one (bench/baselines/effect-ladder.ts),
 * each a fresh child process per round, interleaved, under the same load as section 1b. Each rung
 * adds one thing, so the step from the rung below is its cost: Effect's runtime (a fiber per request),
 * the platform's server and router, Schema at both ends of the request, `HttpApi` over the router.
 * `node bench/framework-ladder.ts` runs this part alone.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  INGEST_BASELINE_OPTIONS,
  type IngestBaselineOptions,
  LABELS,
  measure,
  median
} from "./ingest-baselines.ts"
import { ms, perSecond, printTable, ratio } from "./report.ts"

const LADDER = ["bare", "runtime", "router", "schema", "effect"] as const
type Step = (typeof LADDER)[number]

/** What each rung adds to the one below it. */
const ADDS: Record<Step, string> = {
  bare: "(the floor: node:http, JSON.parse, the write)",
  runtime: "Effect's runtime: a fiber per request",
  router: "the platform's server (request and response objects, its fiber) and router",
  schema: "Schema decoding the body and encoding the answer",
  effect: "HttpApi over the router (its handler, decode and encode machinery)"
}

export const benchFrameworkLadder = async (options: IngestBaselineOptions) => {
  const rounds: Record<Step, Array<{ cpu: number; rate: number }>> = {
    bare: [],
    runtime: [],
    router: [],
    schema: [],
    effect: []
  }
  for (let round = 0; round < options.rounds; round++) {
    // Who goes first turns round by round, so that drift touches each rung alike.
    const order = round % 2 === 0 ? LADDER : [...LADDER].reverse()
    for (const step of order) {
      const result = await measure(step, round, options)
      rounds[step].push({ cpu: result.cpuMsPerRequest, rate: result.perSecond })
    }
  }
  return rounds
}

export const printFrameworkLadder = (rounds: Awaited<ReturnType<typeof benchFrameworkLadder>>) => {
  const cpu = (step: Step) => median(rounds[step].map((round) => round.cpu))
  printTable(
    "1d. The minimal HttpApi server's cost, rung by rung from bare node:http (same write, same load as 1b); " +
      `CPU per request is the median over ${rounds.bare.length} rounds`,
    ["server", "adds", "CPU / request (median)", "step", "vs bare", "throughput"],
    LADDER.map((step, index) => {
      const below = LADDER[index - 1]
      return [
        LABELS[step],
        ADDS[step],
        ms(cpu(step)),
        below === undefined ? "" : `${cpu(step) >= cpu(below) ? "+" : ""}${ms(cpu(step) - cpu(below))}`,
        ratio(cpu(step) / cpu("bare")),
        perSecond(median(rounds[step].map((round) => round.rate)))
      ]
    })
  )
}

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-bench-ladder-"))
  try {
    const options = { dataDir, ...INGEST_BASELINE_OPTIONS }
    printFrameworkLadder(await benchFrameworkLadder(options))
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
