import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Logger } from "effect"
import { AppConfig } from "./config.ts"
import * as Config from "./config.ts"
import { configuredStores, server } from "./layers.ts"

const command = process.argv[2] ?? "serve"
if (command !== "serve") {
  console.error(`unknown command "${command}"; usage: node bootstrap/main.ts serve`)
  process.exit(2)
}

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

const main = Layer.mergeAll(server(configuredStores), reportLimitWarnings).pipe(
  Layer.provide(logging),
  Layer.provide(Config.layer)
)

NodeRuntime.runMain(Layer.launch(main), { disablePrettyLogger: true })
