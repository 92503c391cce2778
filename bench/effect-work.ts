/**
 * Effect operations and fibers per ingest, for the service as `npm start` composes it (embedded SQLite,
 * classification included, logs at Info dropped rather than written) and for the minimal `HttpApi`
 * server making the same insert and the rungs below it, all in this process, each loaded from a worker
 * thread; and per chat turn for the service, turns one after another as section 6 times them. Counts, not
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
import { chatTurn } from "./chat-baselines.ts"
import { STREAM_PATH, UNLIMITED } from "./chat-ttft.ts"
import { type EffectWork, effectWorkCounter } from "./effect-ops.ts"
import type { LoadOptions, LoadResult } from "./ingest-load.ts"
import { count, printTable, ratio } from "./report.ts"

export interface EffectWorkOptions {
  readonly dataDir: string
  readonly requests: number
  readonly warmupRequests: number
  readonly turns: number
  readonly warmupTurns: number
}

export interface EffectWorkResult {
  readonly service: EffectWork
  /** Per chat turn, the service as section 6 runs it. */
  readonly chat: EffectWork
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

/**
 * Runs `warmUp` then `measured` (each given the server's URL) against the server `layer` builds,
 * counting what its fibers run over the measured part, per `per` requests.
 */
const measureWith = async (
  layer: Layer.Layer<HttpServer.HttpServer, unknown>,
  warmUp: (url: string) => Promise<void>,
  measured: (url: string) => Promise<void>,
  per: number
): Promise<EffectWork> => {
  const counter = effectWorkCounter()
  const runtime = ManagedRuntime.make(layer.pipe(Layer.provide(counter.layer)))
  try {
    const address = (await runtime.runPromise(HttpServer.HttpServer)).address
    if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
    const url = `http://127.0.0.1:${address.port}`
    await warmUp(url)
    const start = counter.read()
    await measured(url)
    return counter.perRequest(start, per)
  } finally {
    await runtime.dispose()
  }
}

/** Ingests at 32 in flight over 64 sessions. */
const measure = (layer: Layer.Layer<HttpServer.HttpServer, unknown>, options: EffectWorkOptions) => {
  const ingests = (runId: string, requests: number) => async (url: string) => {
    const result = await load({ url, concurrency: 32, sessions: 64, runId, requests })
    if (result.failures > 0) throw new Error(`${result.failures} ingests failed: ${result.firstFailure}`)
  }
  return measureWith(
    layer,
    ingests("warm-up", options.warmupRequests),
    ingests("measured", options.requests),
    options.requests
  )
}

/** Chat turns one after another, as section 6 times them: the offline model, no delay, 8 sessions. */
const measureChat = (layer: Layer.Layer<HttpServer.HttpServer, unknown>, options: EffectWorkOptions) => {
  const turns = (prefix: string, count: number) => async (url: string) => {
    for (let i = 0; i < count; i++) await chatTurn(new URL(STREAM_PATH, url), `${prefix}-${i % 8}`)
  }
  return measureWith(
    layer,
    turns("warm-up", options.warmupTurns),
    turns("measured", options.turns),
    options.turns
  )
}

/** The service as `npm start` composes it, its log lines made at Info and dropped. */
const service = (dataDir: string, settings: ReadonlyArray<readonly [string, string]> = []) =>
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
            ["RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE", "100000000"],
            ...settings
          ])
        )
      )
    )
  )

export const benchEffectWork = async (options: EffectWorkOptions): Promise<EffectWorkResult> => ({
  service: await measure(service(join(options.dataDir, "effect-work-service")), options),
  chat: await measureChat(
    service(join(options.dataDir, "effect-work-chat"), [
      ["LLM_PROVIDER", "offline"],
      ["OFFLINE_TOKEN_DELAY_MS", "0"],
      ...UNLIMITED
    ]),
    options
  ),
  minimal: await measure(minimalIngestServer(join(options.dataDir, "effect-work-minimal.sqlite")), options),
  router: await measure(routerServer("router", join(options.dataDir, "effect-work-router.sqlite")), options),
  schema: await measure(routerServer("schema", join(options.dataDir, "effect-work-schema.sqlite")), options)
})

export const printEffectWork = (
  title: string,
  result: EffectWorkResult,
  { requests, turns }: Pick<EffectWorkOptions, "requests" | "turns">
): void => {
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
  console.log(
    `Per chat turn (the service, the offline model without delay, ${count(turns)} turns one after another ` +
      `on 8 sessions, as section 6 times them): ${count(Math.round(result.chat.operations))} Effect ops, ` +
      `${result.chat.fibers.toFixed(1)} fibers`
  )
}

export const EFFECT_WORK_OPTIONS = { requests: 2000, warmupRequests: 500, turns: 300, warmupTurns: 50 }

if (import.meta.main) {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-effect-work-"))
  try {
    const result = await benchEffectWork({ dataDir, ...EFFECT_WORK_OPTIONS })
    printEffectWork("Effect work per ingest (counted, not timed)", result, EFFECT_WORK_OPTIONS)
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
  }
}
