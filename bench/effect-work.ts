/**
 * Effect operations and fibers per ingest, for the service as `npm start` composes it (embedded SQLite,
 * classification included, logs at Info dropped rather than written) and for the minimal `HttpApi`
 * server making the same insert, both in this process, each loaded from a worker thread. Counts, not
 * times: they do not move with the machine's load, so a change's effect on Effect's share of the
 * work can be read from one run. `node bench/effect-work.ts` runs this part alone.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Worker } from "node:worker_threads"
import { HttpServer } from "@effect/platform"
import { ConfigProvider, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import { embeddedStores, server } from "../bootstrap/layers.ts"
import { minimalIngestServer } from "./baselines/effect-ingest.ts"
import { routerServer } from "./baselines/effect-ladder.ts"
import { type EffectWork, effectWorkCounter } from "./effect-ops.ts"
import type { LoadOptions, LoadResult } from "./ingest-load.ts"
import { count, printTable, ratio } from "./report.ts"

export interface EffectWorkOptions {
  readonly dataDir: string
  readonly requests: number
  readonly warmupRequests: number
}

export interface EffectWorkResult {
  readonly service: EffectWork
  readonly minimal: EffectWork
  /** The minimal server's rungs below `HttpApi` (bench/baselines/effect-ladder.ts). */
  readonly router: EffectWork
  readonly schema: EffectWork
}

const load = (options: LoadOptions) =>
  new Promise<LoadResult>((resolve, reject) => {
    const worker = new Worker(new URL("./ingest-load.ts", import.meta.url), { workerData: options })
    worker.once("message", resolve)
    worker.once("error", reject)
  })

/** Ingests against the server `layer` builds, counting what its fibers run over the measured part. */
const measure = async (
  layer: Layer.Layer<HttpServer.HttpServer, unknown>,
  options: EffectWorkOptions
): Promise<EffectWork> => {
  const counter = effectWorkCounter()
  const runtime = ManagedRuntime.make(layer.pipe(Layer.provide(counter.layer)))
  try {
    const address = (await runtime.runPromise(HttpServer.HttpServer)).address
    if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
    const base = { url: `http://127.0.0.1:${address.port}`, concurrency: 32, sessions: 64 }
    await load({ ...base, runId: "warm-up", requests: options.warmupRequests })
    const start = counter.read()
    const result = await load({ ...base, runId: "measured", requests: options.requests })
    if (result.failures > 0) throw new Error(`${result.failures} ingests failed: ${result.firstFailure}`)
    return counter.perRequest(start, options.requests)
  } finally {
    await runtime.dispose()
  }
}

/** The service as `npm start` composes it, its log lines made at Info and dropped. */
const service = (dataDir: string) =>
  server(embeddedStores).pipe(
    Layer.provide(Logger.replace(Logger.defaultLogger, Logger.none)),
    Layer.provide(Logger.minimumLogLevel(LogLevel.Info)),
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["HOST", "127.0.0.1"],
            ["PORT", "0"],
            ["DATA_DIR", dataDir],
            ["SHUTDOWN_GRACE_MS", "1000"],
            // The defaults would answer most of the load with 429.
            ["RATE_LIMIT_INGEST_PER_USER_PER_MINUTE", "100000000"],
            ["RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE", "100000000"]
          ])
        )
      )
    )
  )

export const benchEffectWork = async (options: EffectWorkOptions): Promise<EffectWorkResult> => ({
  service: await measure(service(join(options.dataDir, "effect-work-service")), options),
  minimal: await measure(minimalIngestServer(join(options.dataDir, "effect-work-minimal.sqlite")), options),
  router: await measure(routerServer("router", join(options.dataDir, "effect-work-router.sqlite")), options),
  schema: await measure(routerServer("schema", join(options.dataDir, "effect-work-schema.sqlite")), options)
})

export const printEffectWork = (title: string, result: EffectWorkResult, requests: number): void =>
  printTable(
    title,
    ["server", "ingests", "Effect ops per ingest", "fibers per ingest", "ops vs minimal"],
    [
      [
        "the service (npm start's layers, SQLite, classification)",
        count(requests),
        count(Math.round(result.service.operations)),
        result.service.fibers.toFixed(1),
        ratio(result.service.operations / result.minimal.operations)
      ],
      ...(
        [
          ["minimal Effect HttpApi, same insert", result.minimal],
          ["below it: HttpRouter, Schema body and answer", result.schema],
          ["below that: HttpRouter, JSON checked by hand", result.router]
        ] as const
      ).map(([server, work]) => [
        server,
        count(requests),
        count(Math.round(work.operations)),
        work.fibers.toFixed(1),
        ratio(work.operations / result.minimal.operations)
      ])
    ]
  )

export const EFFECT_WORK_OPTIONS = { requests: 2000, warmupRequests: 500 }

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-effect-work-"))
  try {
    const result = await benchEffectWork({ dataDir, ...EFFECT_WORK_OPTIONS })
    printEffectWork("Effect work per ingest (counted, not timed)", result, EFFECT_WORK_OPTIONS.requests)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
