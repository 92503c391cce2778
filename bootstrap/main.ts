import { Command, Options } from "@effect/cli"
import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { ConfigProvider, Console, Effect, Layer, Logger, LogLevel } from "effect"
import { AssessmentSettings } from "../application/assess-interaction.ts"
import { replayScenarios } from "../application/evaluate-classifier.ts"
import { formatReport, loadScenarios } from "./eval.ts"
import { application, configuredStores, logging, memoryStores, server } from "./layers.ts"

const serve = Command.make("serve", {}, () =>
  Layer.launch(server(configuredStores)).pipe(Effect.provide(logging))
).pipe(Command.withDescription("The HTTP service and the web app on the configured store, until SIGTERM."))

const worker = Command.make("worker", {}, () =>
  Layer.launch(
    Layer.effectDiscard(
      Effect.flatMap(AssessmentSettings, ({ workers }) =>
        workers === 0
          ? Effect.dieMessage("worker: ASSESSMENT_WORKERS=0 leaves nothing to run")
          : Effect.logInfo("assessment workers started").pipe(Effect.annotateLogs({ workers }))
      )
    ).pipe(Layer.provideMerge(application(configuredStores, { sweeps: false })))
  ).pipe(Effect.provide(logging))
).pipe(
  Command.withDescription(
    "The assessment workers alone, no HTTP: for deployments that scale them apart from the service " +
      "(which then runs with ASSESSMENT_WORKERS=0)."
  )
)

const json = Options.boolean("json").pipe(Options.withDescription("Print the report as JSON."))

/** The eval counts the assessments queued and runs none (with a real provider, each would be paid for). */
const withoutWorkers = ConfigProvider.orElse(
  ConfigProvider.fromMap(new Map([["ASSESSMENT_WORKERS", "0"]])),
  () => ConfigProvider.fromEnv()
)

const evaluate = Command.make("eval", { json }, ({ json }) =>
  Effect.gen(function* () {
    const progress = (done: number, total: number) => {
      if (json || !process.stderr.isTTY) return
      const filled = Math.round((done / total) * 30)
      process.stderr.write(`\r[${"#".repeat(filled)}${" ".repeat(30 - filled)}] ${done}/${total} messages`)
      if (done === total) process.stderr.write("\n")
    }
    const report = yield* replayScenarios(loadScenarios(), progress)
    yield* Console.log(json ? JSON.stringify(report, null, 2) : formatReport(report))
  }).pipe(
    Effect.provide(application(memoryStores, { sweeps: false })),
    Effect.provide(Logger.minimumLogLevel(LogLevel.Warning)),
    Effect.withConfigProvider(withoutWorkers)
  )
).pipe(
  Command.withDescription(
    "Replay the labelled conversations (test/scenarios/) through ingestion with the configured classifier, " +
      "on memory stores, and print, for the development and the held-out part apart, a confusion matrix, " +
      "per-class precision and recall, accuracy and assessments queued."
  )
)

const cli = Command.make("coachup").pipe(
  Command.withDescription("Coach Up conversation service"),
  Command.withSubcommands([serve, worker, evaluate])
)

Command.run(cli, { name: "coachup", version: "0.1.0" })(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disablePrettyLogger: true })
)
