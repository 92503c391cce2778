import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Layer } from "effect"
import { deployment } from "../../bootstrap/config.ts"
import { configuredModels, configuredStores, logging, server } from "../../bootstrap/layers.ts"

const provider = (env: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(env)))

/** Builds `layer` with its configuration from `env`, and tears it down again. */
const build = (layer: Layer.Layer<never, unknown>, env: Record<string, string>) =>
  Layer.build(layer).pipe(Effect.scoped, Effect.withConfigProvider(provider(env)), Effect.exit)

const service = Layer.merge(server(configuredStores), logging)

describe("configuration", () => {
  it.effect("chooses the embedded SQLite file and offline models unless told otherwise", () =>
    Effect.gen(function* () {
      const read = (env: Record<string, string>) => Effect.withConfigProvider(deployment, provider(env))
      expect(yield* read({})).toEqual({ store: "sqlite", models: "offline" })
      expect(yield* read({ CONVEX_URL: "", LLM_PROVIDER: "offline" })).toEqual({
        store: "sqlite",
        models: "offline"
      })
      expect(yield* read({ CONVEX_URL: "https://example.convex.cloud", LLM_PROVIDER: "openai" })).toEqual({
        store: "convex",
        models: "openai"
      })
    })
  )

  it.scoped(
    "has a default for everything: the whole service starts with no environment",
    () =>
      Effect.gen(function* () {
        const exit = yield* build(service, {
          DATA_DIR: mkdtempSync(join(tmpdir(), "coachup-config-")),
          PORT: "0"
        })
        expect(Exit.isSuccess(exit)).toBe(true)
      }),
    { timeout: 20_000 }
  )

  it.effect.each([
    ["PORT", service, { PORT: "http" }],
    ["PORT", service, { PORT: "70000" }],
    ["PERSIST_TRANSCRIPTS_ENABLED", service, { PERSIST_TRANSCRIPTS_ENABLED: "maybe" }],
    ["TRANSCRIPT_RETENTION_DAYS", service, { TRANSCRIPT_RETENTION_DAYS: "0" }],
    ["STORE_TIMEOUT_MS", service, { STORE_TIMEOUT_MS: "-1" }],
    ["LOG_LEVEL", service, { LOG_LEVEL: "LOUD" }],
    ["LLM_PROVIDER", service, { LLM_PROVIDER: "magic" }],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", service, { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }],
    ["CONVEX_URL", configuredStores, { CONVEX_URL: "not a url" }],
    ["CONVEX_SERVER_SECRET", configuredStores, { CONVEX_URL: "https://example.convex.cloud" }],
    ["OPENAI_API_KEY", configuredModels, { LLM_PROVIDER: "openai" }],
    ["OPENAI_BASE_URL", configuredModels, { LLM_PROVIDER: "openai", OPENAI_BASE_URL: "not a url" }]
  ] as const)("names %s when it is missing or invalid, and does not start", ([variable, layer, env]) =>
    Effect.gen(function* () {
      const exit = yield* build(layer, {
        DATA_DIR: mkdtempSync(join(tmpdir(), "coachup-config-")),
        PORT: "0",
        ...env
      })
      expect(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "started").toContain(variable)
    })
  )
})
