import { HttpServer } from "@effect/platform"
import { ConfigProvider, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import { embeddedStores, server } from "../bootstrap/layers.ts"

/**
 * The service as bootstrap/main.ts composes it, in this process, on 127.0.0.1 and any free port,
 * with SQLite under `dataDir`; logs below Warning dropped. `env` adds or overrides variables.
 */
export const startInProcessService = async (
  dataDir: string,
  env: ReadonlyArray<readonly [string, string]>
) => {
  const config = ConfigProvider.fromMap(
    new Map([
      ["HOST", "127.0.0.1"],
      ["PORT", "0"],
      ["DATA_DIR", dataDir],
      ["LOG_LEVEL", "WARN"],
      ["SHUTDOWN_GRACE_MS", "1000"],
      ...env
    ])
  )
  const runtime = ManagedRuntime.make(
    server(embeddedStores).pipe(
      Layer.provide(Logger.minimumLogLevel(LogLevel.Warning)),
      Layer.provide(Layer.setConfigProvider(config))
    )
  )
  const address = (await runtime.runPromise(HttpServer.HttpServer)).address
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  return { url: `http://127.0.0.1:${address.port}`, close: () => runtime.dispose() }
}
