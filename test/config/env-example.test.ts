import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { type Config, ConfigProvider, ConfigProviderPathPatch, Effect, Layer } from "effect"
import * as AssessmentSettings from "../../application/assess-interaction.ts"
import * as ClassifierSettings from "../../application/ask-classifier.ts"
import * as InteractionSettings from "../../application/commit-interaction.ts"
import * as ContextSettings from "../../application/context-settings.ts"
import * as TranscriptPersistence from "../../application/resolve-persistence.ts"
import * as ChatSettings from "../../application/turn-events.ts"
import * as HashedIds from "../../application/hashed-id.ts"
import * as ReplySettings from "../../application/reply-recorder.ts"
import * as FollowReply from "../../application/follow-reply.ts"
import * as OutboxDelivery from "../../application/outbox-delivery.ts"
import * as StoreGuard from "../../application/store-guard.ts"
import * as Retention from "../../application/sweep-retention.ts"
import * as ConvexBackend from "../../adapters/convex/backend.ts"
import * as Authentication from "../../adapters/http/authentication/settings.ts"
import * as Edge from "../../adapters/http/edge.ts"
import * as ChatStream from "../../adapters/http/handlers/chat.ts"
import * as Ingest from "../../adapters/http/handlers/messages.ts"
import * as RateLimits from "../../adapters/http/rate-limit.ts"
import * as StreamCapacity from "../../adapters/http/stream-capacity.ts"
import * as Http from "../../adapters/http/server.ts"
import * as OfflineChatModel from "../../adapters/llm/offline/chat-model.ts"
import * as Tokenizer from "../../adapters/llm/tokenizer.ts"
import * as OpenAiAssessor from "../../adapters/llm/openai/assessor.ts"
import * as OpenAiClassifier from "../../adapters/llm/openai/boundary-classifier.ts"
import * as OpenAiChatModel from "../../adapters/llm/openai/chat-model.ts"
import * as OpenAiClient from "../../adapters/llm/openai/client.ts"
import * as SessionMemory from "../../adapters/memory/session-memory.ts"
import * as SqliteStores from "../../adapters/sqlite/stores.ts"
import * as SqliteOutbox from "../../adapters/sqlite/transcript-outbox.ts"
import * as Telemetry from "../../adapters/telemetry/prometheus-metrics.ts"
import { deployment } from "../../bootstrap/config.ts"
import { configuredModels, configuredStores, logging, logLevel, server } from "../../bootstrap/layers.ts"

const example = readFileSync(".env.example", "utf8")
const assignments = Object.fromEntries(
  example
    .split("\n")
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
)
const documented = new Set(Array.from(example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm), (match) => match[1]!))

/** A provider over `env` that notes the name of every variable looked up. */
const recording = (env: Record<string, string>, seen: Set<string>) => {
  const inner = ConfigProvider.fromMap(new Map(Object.entries(env))).flattened
  return ConfigProvider.fromFlat(
    ConfigProvider.makeFlat({
      load: (path, primitive, split) => {
        seen.add(path.join("."))
        return inner.load(path, primitive, split)
      },
      enumerateChildren: (path) => inner.enumerateChildren(path),
      patch: ConfigProviderPathPatch.empty
    })
  )
}

/** Every variable the layers look up while they are built from `env`. */
const lookedUp = (layer: Layer.Layer<never, unknown>, env: Record<string, string>) => {
  const seen = new Set<string>()
  return Layer.build(layer).pipe(
    Effect.scoped,
    Effect.withConfigProvider(recording(env, seen)),
    Effect.as(seen)
  )
}

/** Each deployment choice reads its own variables: SQLite and offline models, Convex, OpenAI. */
const everyVariable = Effect.gen(function* () {
  const dataDir = mkdtempSync(join(tmpdir(), "coachup-env-"))
  const serve = yield* lookedUp(Layer.merge(server(configuredStores), logging), {
    DATA_DIR: dataDir,
    PORT: "0"
  })
  const convex = yield* lookedUp(configuredStores, {
    DATA_DIR: dataDir,
    CONVEX_URL: "https://example.convex.cloud",
    CONVEX_SERVER_SECRET: "secret"
  })
  const openai = yield* lookedUp(configuredModels, {
    LLM_PROVIDER: "openai",
    OPENAI_BASE_URL: "http://127.0.0.1:9/v1"
  })
  return new Set([...serve, ...convex, ...openai])
})

/** The Config of every module that reads the environment. */
const configs: Record<string, Config.Config<unknown>> = {
  deployment,
  logLevel,
  context: ContextSettings.config,
  chat: ChatSettings.config,
  classifier: ClassifierSettings.config,
  interaction: InteractionSettings.config,
  transcriptPersistence: TranscriptPersistence.config,
  assessment: AssessmentSettings.config,
  reply: ReplySettings.config,
  replyFollowing: FollowReply.config,
  outboxDelivery: OutboxDelivery.config,
  outbox: SqliteOutbox.config,
  storeTimeout: StoreGuard.config,
  retention: Retention.config,
  idHashSalt: HashedIds.config,
  sessionMemory: SessionMemory.config,
  http: Http.config,
  authentication: Authentication.config,
  edge: Edge.config,
  rateLimits: RateLimits.config,
  chatStream: ChatStream.config,
  streamCapacity: StreamCapacity.config,
  ingest: Ingest.config,
  telemetry: Telemetry.config,
  openAiClient: OpenAiClient.config,
  chatModel: OpenAiChatModel.config,
  classifierModel: OpenAiClassifier.config,
  assessmentModel: OpenAiAssessor.config,
  offlineChatModel: OfflineChatModel.config,
  tokenizer: Tokenizer.config,
  sqlite: SqliteStores.config,
  convex: ConvexBackend.config
}

/** Set beside both readings, so that the settings without defaults parse too. */
const required = {
  OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
  CONVEX_URL: "https://example.convex.cloud",
  CONVEX_SERVER_SECRET: "secret"
}

const read = (config: Config.Config<unknown>, env: Record<string, string>) =>
  Effect.withConfigProvider(Effect.either(config), ConfigProvider.fromMap(new Map(Object.entries(env))))

describe(".env.example", () => {
  it.scoped(
    "documents every variable the service reads, in every deployment, and nothing else",
    () =>
      Effect.gen(function* () {
        const read = yield* everyVariable
        expect([...read].filter((name) => !documented.has(name)).sort()).toEqual([])
        expect([...documented].filter((name) => !read.has(name)).sort()).toEqual([])
      }),
    { timeout: 20_000 }
  )

  it.effect.each(Object.entries(configs))("used as it is, gives exactly the defaults: %s", ([, config]) =>
    Effect.gen(function* () {
      const fromExample = yield* read(config, { ...assignments, ...required })
      const defaults = yield* read(config, required)
      expect(fromExample).toEqual(defaults)
    })
  )
})
