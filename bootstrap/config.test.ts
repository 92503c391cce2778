import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, LogLevel, Option } from "effect"
import { LimitWarning } from "../domain/context-window.ts"
import { appConfig, DEFAULT_CHAT_SYSTEM_PROMPT } from "./config.ts"

const read = (env: Record<string, string>) =>
  Effect.withConfigProvider(Effect.either(appConfig), ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("configuration", () => {
  it.effect("has a default for everything: no environment is needed", () =>
    Effect.gen(function* () {
      const config = Either.getOrThrow(yield* read({}))
      expect(config).toMatchObject({
        host: "127.0.0.1",
        port: 3000,
        dataDir: "./data",
        convex: Option.none(),
        persistTranscriptsEnabled: true,
        chatContextLimit: 20,
        classifierContextLimit: 10,
        limitWarnings: [],
        contextFromStore: true,
        chatSystemPrompt: DEFAULT_CHAT_SYSTEM_PROMPT,
        logLevel: LogLevel.Info,
        retentionDays: 30,
        maxBodyBytes: 262_144
      })
      expect(Duration.toMillis(config.storeTimeout)).toBe(2000)
    })
  )

  it.effect("clamps context limits and reports each adjustment as a warning", () =>
    Effect.gen(function* () {
      const config = Either.getOrThrow(
        yield* read({ CHAT_CONTEXT_LIMIT: "500", CLASSIFIER_CONTEXT_LIMIT: "ten" })
      )
      expect(config.chatContextLimit).toBe(200)
      expect(config.classifierContextLimit).toBe(10)
      expect(config.limitWarnings).toEqual([
        { variable: "CHAT_CONTEXT_LIMIT", warning: LimitWarning.Clamped({ raw: "500", used: 200 }) },
        { variable: "CLASSIFIER_CONTEXT_LIMIT", warning: LimitWarning.Unparsable({ raw: "ten", used: 10 }) }
      ])
    })
  )

  it.effect("accepts the seed's CHAT_CONTEXT_FROM_CONVEX as an alias of CHAT_CONTEXT_FROM_DB", () =>
    Effect.gen(function* () {
      expect(Either.getOrThrow(yield* read({ CHAT_CONTEXT_FROM_CONVEX: "0" })).contextFromStore).toBe(false)
      expect(Either.getOrThrow(yield* read({ CHAT_CONTEXT_FROM_DB: "false" })).contextFromStore).toBe(false)
    })
  )

  it.effect("exports traces only when OTEL_EXPORTER_OTLP_ENDPOINT names a collector", () =>
    Effect.gen(function* () {
      expect(Either.getOrThrow(yield* read({})).otlpEndpoint).toEqual(Option.none())
      expect(Either.getOrThrow(yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "" })).otlpEndpoint).toEqual(
        Option.none()
      )
      const set = Either.getOrThrow(yield* read({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" }))
      expect(set.otlpEndpoint).toEqual(Option.some("http://127.0.0.1:4318"))
    })
  )

  it.effect.each([
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["PERSIST_TRANSCRIPTS_ENABLED", { PERSIST_TRANSCRIPTS_ENABLED: "maybe" }],
    ["TRANSCRIPT_RETENTION_DAYS", { TRANSCRIPT_RETENTION_DAYS: "0" }],
    ["STORE_TIMEOUT_MS", { STORE_TIMEOUT_MS: "-1" }],
    ["LOG_LEVEL", { LOG_LEVEL: "LOUD" }],
    ["CONVEX_URL", { CONVEX_URL: "not a url" }],
    ["CONVEX_SERVER_SECRET", { CONVEX_URL: "https://example.convex.cloud" }],
    ["OPENAI_API_KEY", { LLM_PROVIDER: "openai" }],
    ["OPENAI_BASE_URL", { LLM_PROVIDER: "openai", OPENAI_BASE_URL: "not a url" }],
    ["OTEL_EXPORTER_OTLP_ENDPOINT", { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }]
  ] as const)("names %s when it is missing or invalid", ([variable, env]) =>
    Effect.gen(function* () {
      const result = yield* read(env)
      expect(Either.isLeft(result) && String(result.left)).toContain(variable)
    })
  )
})
