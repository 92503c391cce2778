import { NodeRuntime } from "@effect/platform-node"
import { Console, ConfigProvider, Effect, Layer, Logger, LogLevel } from "effect"
import { AppConfig } from "./config.ts"
import * as Config from "./config.ts"
import { formatReport, loadScenarios, replayScenarios } from "./eval.ts"
import { application, configuredStores, memoryStores, server } from "./layers.ts"

const USAGE = "usage: node bootstrap/main.ts serve | worker | eval [--json]"
const [command = "serve", ...flags] = process.argv.slice(2)

/** Warns about context limits the environment gave out of range or unparsable. */
const reportLimitWarnings = Layer.effectDiscard(
  Effect.flatMap(AppConfig, ({ limitWarnings }) =>
    Effect.forEach(limitWarnings, ({ variable, warning }) =>
      Effect.logWarning(
        `${variable}="${warning.raw}" ${warning._tag === "Clamped" ? "clamped" : "is not an integer"}; using ${warning.used}`
      )
    )
  )
)

const logging = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ logLevel }) => Layer.merge(Logger.json, Logger.minimumLogLevel(logLevel)))
)

/** `serve`: the HTTP service on the configured stores until SIGTERM. */
const serve = Layer.launch(
  Layer.mergeAll(server(configuredStores), reportLimitWarnings).pipe(
    Layer.provide(logging),
    Layer.provide(Config.layer)
  )
)

/**
 * `worker`: the assessment workers alone, no HTTP — for deployments that scale them apart from the
 * service (which then runs with ASSESSMENT_WORKERS=0).
 */
const worker = Layer.launch(
  Layer.mergeAll(
    application(configuredStores, { sweeps: false }),
    Layer.effectDiscard(
      Effect.flatMap(AppConfig, ({ assessment }) =>
        assessment.workers === 0
          ? Effect.dieMessage("worker: ASSESSMENT_WORKERS=0 leaves nothing to run")
          : Effect.logInfo("assessment workers started").pipe(
              Effect.annotateLogs({ workers: assessment.workers })
            )
      )
    )
  ).pipe(Layer.provide(logging), Layer.provide(Config.layer))
)

/**
 * `eval`: replays the labelled conversations (test/scenarios/) through ingestion with the configured
 * classifier, on memory stores, and prints a confusion matrix, per-class precision and recall,
 * accuracy and assessments queued against expected; `--json` for machines.
 */
const evaluate = Effect.gen(function* () {
  const scenarios = loadScenarios()
  const json = flags.includes("--json")
  const progress = (done: number, total: number) => {
    if (json || !process.stderr.isTTY) return
    const filled = Math.round((done / total) * 30)
    process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(30 - filled)}] ${done}/${total} messages`)
    if (done === total) process.stderr.write("\n")
  }
  const report = yield* replayScenarios(scenarios, progress)
  yield* Console.log(json ? JSON.stringify(report, null, 2) : formatReport(report))
}).pipe(
  Effect.provide(application(memoryStores, { sweeps: false })),
  Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)),
  Effect.provide(Config.layer),
  // The report counts the assessments queued; none is run (with a real provider, each would be paid for).
  Effect.withConfigProvider(
    ConfigProvider.orElse(ConfigProvider.fromMap(new Map([["ASSESSMENT_WORKERS", "0"]])), () =>
      ConfigProvider.fromEnv()
    )
  )
)

if (command === "serve") NodeRuntime.runMain(serve, { disablePrettyLogger: true })
else if (command === "worker") NodeRuntime.runMain(worker, { disablePrettyLogger: true })
else if (command === "eval") NodeRuntime.runMain(evaluate)
else {
  console.error(`unknown command "${command}"; ${USAGE}`)
  process.exit(2)
}
