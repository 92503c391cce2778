/**
 * The fault suite (`npm run chaos`): runs the real service as a child process on 127.0.0.1 with a
 * temporary DATA_DIR, injects faults (kill -9, a store file locked by another process, hostile
 * requests, overload), prints one table row per scenario and exits 1 when any fails.
 *
 *   --scale full|small   counts and durations (scale.ts); default CHAOS_SCALE, else full
 *   --seed N             the seed of every random choice; default CHAOS_SEED, else 1
 *   --only a,b           run only the named scenarios
 *
 * Linux only (RSS is read from /proc). Sends traffic to 127.0.0.1 only.
 */
import { parseArgs } from "node:util"
import { performance } from "node:perf_hooks"
import { passed } from "./scenario.ts"
import { scales } from "./scale.ts"
import { killChildren } from "./service-process.ts"
import { runScenario, scenarios } from "./suite.ts"
import { formatTable } from "./table.ts"

const { values } = parseArgs({
  options: { scale: { type: "string" }, seed: { type: "string" }, only: { type: "string" } }
})

const scaleName = values.scale ?? process.env["CHAOS_SCALE"] ?? "full"
if (scaleName !== "full" && scaleName !== "small") {
  console.error(`--scale ${scaleName}: expected full or small`)
  process.exit(2)
}
const seed = Number(values.seed ?? process.env["CHAOS_SEED"] ?? "1")
if (!Number.isInteger(seed)) {
  console.error(`--seed ${String(values.seed)}: expected an integer`)
  process.exit(2)
}
const only = values.only?.split(",")
const unknown = only?.filter((name) => !scenarios.some((scenario) => scenario.name === name)) ?? []
if (unknown.length > 0) {
  console.error(
    `unknown scenarios: ${unknown.join(", ")}; known: ${scenarios.map(({ name }) => name).join(", ")}`
  )
  process.exit(2)
}

process.on("exit", killChildren)
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    killChildren()
    process.exit(130)
  })

const scale = scales[scaleName]
const log = (message: string) => console.error(message)
const started = performance.now()
const results = []
for (const scenario of scenarios.filter(({ name }) => only?.includes(name) ?? true)) {
  log(`[${scenario.name}] starting (scale ${scale.name}, seed ${seed})`)
  const scenarioStarted = performance.now()
  const result = await runScenario(scenario, { scale, seed, log })
  log(
    `[${scenario.name}] ${passed(result) ? "pass" : "FAIL"} in ${((performance.now() - scenarioStarted) / 1000).toFixed(1)} s`
  )
  results.push(result)
}
console.log(
  `\nFault suite, scale ${scale.name}, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`
)
console.log(formatTable(results))
process.exitCode = results.every(passed) ? 0 : 1
