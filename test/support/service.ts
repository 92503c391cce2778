import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { HttpServer } from "@effect/platform"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { ConfigProvider, type Effect, Layer, Logger, LogLevel, ManagedRuntime } from "effect"
import type { ChatModel } from "../../application/ports/chat-model.ts"
import { embeddedStores, server, type StoreLayer } from "../../bootstrap/layers.ts"
import { type ApiCaller, apiCaller } from "./api-client.ts"
import { OpenApiValidator } from "./openapi-validator.ts"

export interface StartOptions<R, M> {
  /** Environment variables, as the service would read them. */
  readonly env?: Record<string, string>
  /** The durable stores; services of this layer beyond the ports are reachable through `run`. */
  readonly stores: Layer.Layer<R | Layer.Layer.Success<StoreLayer>, unknown>
  /** A chat model (and any services of its own) in place of the one `env` configures. */
  readonly chatModel?: Layer.Layer<M | ChatModel>
  /** Span processors beside the configured ones, e.g. an in-memory span exporter. */
  readonly spanProcessors?: ReadonlyArray<SpanProcessor>
  /** The service's logging; none when absent. */
  readonly logging?: Layer.Layer<never>
}

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
  readonly text: string
}

/**
 * The real service on 127.0.0.1, port 0, with its configuration from a map. Every response a
 * test reads through `request` is checked against the served OpenAPI document.
 */
export interface RequestInit {
  readonly body?: unknown
  readonly raw?: string
  readonly headers?: Record<string, string>
}

export const startService = async <R, M = never>(
  options: StartOptions<R, M>
): Promise<TestService<R | M>> => {
  const env = {
    HOST: "127.0.0.1",
    PORT: "0",
    STORE_TIMEOUT_MS: "2000",
    PERSIST_RETRY_SECONDS: "1",
    ...options.env
  }
  const stores: StoreLayer<unknown> = options.stores
  // The chat model's own services are reachable through `run`: the one layer, memoized, serves both.
  const layer = Layer.mergeAll(
    server(stores, {
      ...(options.chatModel === undefined ? {} : { chatModel: options.chatModel }),
      ...(options.spanProcessors === undefined ? {} : { spanProcessors: options.spanProcessors })
    }),
    options.stores,
    options.chatModel ?? Layer.empty
  ).pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))),
    Layer.provide(options.logging ?? Logger.minimumLogLevel(LogLevel.None))
  ) as Layer.Layer<R | M | ServiceContext, unknown>
  const runtime = ManagedRuntime.make(layer)
  const address = (await runtime.runPromise(HttpServer.HttpServer)).address
  if (address._tag !== "TcpAddress") throw new Error("expected a TCP address")
  const url = `http://127.0.0.1:${address.port}`
  const validator = await OpenApiValidator.fetch(url)

  const request = async (
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}
  ): Promise<Reply> => {
    const headers: Record<string, string> = { ...init.headers }
    let body: string | undefined = init.raw
    if (init.body !== undefined) {
      body = JSON.stringify(init.body)
      headers["content-type"] = "application/json"
    } else if (init.raw !== undefined) headers["content-type"] ??= "application/json"
    const response = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body }) })
    const text = await response.text()
    const isJson = response.headers.get("content-type")?.startsWith("application/json") ?? false
    const reply = {
      status: response.status,
      headers: response.headers,
      body: isJson ? JSON.parse(text) : text,
      text
    }
    validator.check(method, path, reply)
    return reply
  }

  return {
    url,
    request,
    ...apiCaller(url),
    run: <A, E>(effect: Effect.Effect<A, E, R | M | ServiceContext>) => runtime.runPromise(effect),
    close: () => runtime.dispose()
  }
}

/**
 * A started service: `call` and `failure` read its API through the typed client, `request` reads the
 * wire; `run` reaches its services and those of its store layer.
 */
export interface TestService<R = never> extends ApiCaller {
  readonly url: string
  readonly request: (method: string, path: string, init?: RequestInit) => Promise<Reply>
  readonly run: <A, E>(effect: Effect.Effect<A, E, R | ServiceContext>) => Promise<A>
  readonly close: () => Promise<void>
}

type ServiceContext = Layer.Layer.Success<ReturnType<typeof server<unknown>>>

/**
 * The service on SQLite in a fresh data directory (`dataDir`), with the offline models answering
 * at once and a worker polling often; the directory goes when the service closes.
 */
export const startEmbeddedService = async (
  env: Record<string, string> = {}
): Promise<TestService & { readonly dataDir: string }> => {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-embedded-"))
  const service = await startService({
    stores: embeddedStores,
    env: { DATA_DIR: dataDir, OFFLINE_TOKEN_DELAY_MS: "0", ASSESSMENT_POLL_MS: "20", ...env }
  })
  return {
    ...service,
    dataDir,
    close: async () => {
      await service.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
