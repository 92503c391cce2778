import { join } from "node:path"
import { Duration, Effect, Layer, Option } from "effect"
import { BackgroundWork } from "../application/background-work.ts"
import { ConversationSettings } from "../application/conversation-settings.ts"
import { PersistenceBacklog } from "../application/persistence-backlog.ts"
import type { InteractionStore } from "../application/ports/interaction-store.ts"
import type { PrivacySettingsStore } from "../application/ports/privacy-settings-store.ts"
import type { TranscriptStore } from "../application/ports/transcript-store.ts"
import { layerIdleInteractionSweep } from "../application/classify-boundary.ts"
import {
  layerGuardedInteractionStore,
  layerGuardedPrivacySettingsStore,
  layerGuardedTranscriptStore
} from "../application/store-guard.ts"
import * as OfflineBoundaryClassifier from "../adapters/llm/offline/boundary-classifier.ts"
import * as OpenAiBoundaryClassifier from "../adapters/llm/openai/boundary-classifier.ts"
import { layerDailyRetentionSweep } from "../application/sweep-retention.ts"
import { MAX_CONTEXT_LIMIT } from "../domain/context-window.ts"
import { RateLimiter } from "@effect/experimental"
import type { ChatModel } from "../application/ports/chat-model.ts"
import { ChatStreamSettings } from "../adapters/http/handlers/chat.ts"
import { RateLimitPolicy } from "../adapters/http/rate-limit.ts"
import * as ConvexBackend from "../adapters/convex/backend.ts"
import * as ConvexInteractions from "../adapters/convex/interaction-store.ts"
import * as ConvexPrivacy from "../adapters/convex/privacy-settings-store.ts"
import * as ConvexTranscripts from "../adapters/convex/transcript-store.ts"
import * as Http from "../adapters/http/server.ts"
import * as OfflineChatModel from "../adapters/llm/offline/chat-model.ts"
import * as OpenAiChatModel from "../adapters/llm/openai/chat-model.ts"
import * as MemoryInteractions from "../adapters/memory/interaction-store.ts"
import * as MemoryPrivacy from "../adapters/memory/privacy-settings-store.ts"
import * as SessionMemory from "../adapters/memory/session-memory.ts"
import * as MemoryTranscripts from "../adapters/memory/transcript-store.ts"
import * as NodePlatform from "../adapters/node/platform.ts"
import * as SqliteDatabase from "../adapters/sqlite/database.ts"
import * as SqliteInteractions from "../adapters/sqlite/interaction-store.ts"
import * as SqlitePrivacy from "../adapters/sqlite/privacy-settings-store.ts"
import * as SqliteTranscripts from "../adapters/sqlite/transcript-store.ts"
import * as Telemetry from "../adapters/telemetry/prometheus-metrics.ts"
import { otlpSpanProcessor } from "../adapters/telemetry/tracing.ts"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { AppConfig } from "./config.ts"

/** The durable stores a deployment runs on. */
export type StoreLayer<E = never> = Layer.Layer<
  TranscriptStore | PrivacySettingsStore | InteractionStore,
  E,
  AppConfig
>

/** `embedded`: one SQLite file under `DATA_DIR`. */
export const embeddedStores: StoreLayer<unknown> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ dataDir }) =>
    Layer.mergeAll(SqliteTranscripts.layer, SqlitePrivacy.layer, SqliteInteractions.layer).pipe(
      Layer.provide(SqliteDatabase.layer({ filename: join(dataDir, "coachup.sqlite") }))
    )
  )
)

/** `convex`: a Convex deployment (`CONVEX_URL`), reached with the server secret its functions require. */
export const convexStores: StoreLayer = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ convex }) =>
    Layer.mergeAll(ConvexTranscripts.layer, ConvexPrivacy.layer, ConvexInteractions.layer).pipe(
      Layer.provide(
        Option.match(convex, {
          onNone: () => Layer.die("convexStores needs CONVEX_URL"),
          onSome: ({ url, serverSecret }) => ConvexBackend.layer({ url, secret: serverSecret })
        })
      )
    )
  )
)

/** The stores the configuration asks for: Convex when `CONVEX_URL` is set, else the SQLite file. */
export const configuredStores: StoreLayer<unknown> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ convex }) => (Option.isSome(convex) ? convexStores : embeddedStores))
)

/** `test`: process memory, nothing on disk. */
export const memoryStores: StoreLayer = Layer.mergeAll(
  MemoryTranscripts.layer,
  MemoryPrivacy.layer,
  MemoryInteractions.layer
)

const settings = Layer.effect(
  ConversationSettings,
  Effect.map(AppConfig, (config) =>
    ConversationSettings.of({
      persistTranscriptsEnabled: config.persistTranscriptsEnabled,
      contextFromStore: config.contextFromStore,
      chatContextLimit: config.chatContextLimit,
      classifierContextLimit: config.classifierContextLimit,
      chatSystemPrompt: config.chatSystemPrompt,
      classifierSystemPrompt: config.classifierSystemPrompt,
      storeTimeout: config.storeTimeout,
      retentionDays: config.retentionDays,
      chatIdleTimeout: config.chatIdleTimeout,
      chatTurnTimeout: config.chatTurnTimeout,
      idHashSalt: config.idHashSalt,
      classifierMinConfidence: config.classifierMinConfidence,
      classifierTimeout: config.classifierTimeout,
      interactionIdleTimeout: config.interactionIdleTimeout
    })
  )
)

const sessionMemory = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    SessionMemory.layer({
      maxItemsPerSession: MAX_CONTEXT_LIMIT,
      maxSessions: config.sessionMemory.maxSessions,
      idleTtlMillis: Duration.toMillis(config.sessionMemory.idleTtl)
    })
  )
)

const backlog = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) => PersistenceBacklog.layer(config.persistBacklog))
)

/** What a caller adds to the configured telemetry. */
export interface TelemetryExtras {
  /** Span processors beside the OTLP one `OTEL_EXPORTER_OTLP_ENDPOINT` configures (tests record spans in memory). */
  readonly spanProcessors?: ReadonlyArray<SpanProcessor>
}

/** Metrics for `/metrics`, and spans to the OTLP collector when one is configured. */
const telemetry = (extras: TelemetryExtras) =>
  Layer.unwrapEffect(
    Effect.map(AppConfig, ({ otlpEndpoint }) =>
      Telemetry.layer({
        serviceName: "coachup",
        serviceVersion: "0.1.0",
        spanProcessors: [
          ...Option.toArray(Option.map(otlpEndpoint, otlpSpanProcessor)),
          ...(extras.spanProcessors ?? [])
        ]
      })
    )
  )

/** The boundary classifier: transparent offline rules, or CLASSIFIER_MODEL when LLM_PROVIDER=openai. */
const configuredClassifier = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ llm }) =>
    llm.provider === "offline"
      ? OfflineBoundaryClassifier.layer
      : OpenAiBoundaryClassifier.layer({
          apiKey: llm.apiKey,
          baseUrl: llm.baseUrl,
          model: llm.classifierModel,
          maxRetries: llm.maxRetries
        })
  )
)

/**
 * Everything the use cases need, on the given stores: guarded stores (timeouts, metrics, spans),
 * session memory, the persistence backlog and its retry loop, the daily retention sweep.
 */
export const application = <E>(stores: StoreLayer<E>, extras: TelemetryExtras = {}) =>
  Layer.mergeAll(
    backlog,
    layerDailyRetentionSweep,
    layerIdleInteractionSweep,
    BackgroundWork.layer({ grace: Duration.seconds(5) })
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerGuardedTranscriptStore,
        layerGuardedPrivacySettingsStore,
        layerGuardedInteractionStore
      )
    ),
    Layer.provide(stores),
    Layer.provideMerge(
      Layer.mergeAll(sessionMemory, NodePlatform.layer, configuredClassifier, telemetry(extras))
    ),
    Layer.provideMerge(settings)
  )

/** The chat model `LLM_PROVIDER` names: the offline coach (default) or an OpenAI-compatible endpoint. */
export const configuredChatModel: Layer.Layer<ChatModel, never, AppConfig> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ llm }) =>
    llm.provider === "offline"
      ? OfflineChatModel.layer({ tokenDelay: llm.tokenDelay })
      : OpenAiChatModel.layer({
          apiKey: llm.apiKey,
          baseUrl: llm.baseUrl,
          model: llm.chatModel,
          maxRetries: llm.maxRetries
        })
  )
)

/** What the HTTP adapter needs beside the use cases: budgets, the rate limiter, stream settings. */
const httpPolicies = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Layer.mergeAll(
      Layer.succeed(RateLimitPolicy, {
        chat: { perUser: config.rateLimits.chatPerUser, perSession: config.rateLimits.chatPerSession },
        ingest: { perUser: config.rateLimits.ingestPerUser, perSession: config.rateLimits.ingestPerSession }
      }),
      Layer.succeed(ChatStreamSettings, { heartbeat: config.sseHeartbeat }),
      RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))
    )
  )
)

/**
 * The HTTP service on its configured address, over the given stores and chat model; exposes its
 * server and services.
 */
export const server = <E>(
  stores: StoreLayer<E>,
  chatModel: Layer.Layer<ChatModel, never, AppConfig> = configuredChatModel,
  extras: TelemetryExtras = {}
) =>
  Layer.unwrapEffect(
    Effect.map(AppConfig, (config) =>
      Http.listen({
        host: config.host,
        port: config.port,
        maxBodyBytes: config.maxBodyBytes,
        drainTimeout: config.drainTimeout
      })
    )
  ).pipe(Layer.provide(httpPolicies), Layer.provideMerge(Layer.merge(application(stores, extras), chatModel)))
