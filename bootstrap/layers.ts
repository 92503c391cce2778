import { hostname } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Duration, Effect, Layer, Option } from "effect"
import { AssessmentSettings } from "../application/assess-interaction.ts"
import { layerAssessmentWorkers } from "../application/assessment-worker.ts"
import { BackgroundWork } from "../application/background-work.ts"
import { SessionSequencer } from "../application/session-sequencer.ts"
import { ConversationSettings } from "../application/conversation-settings.ts"
import { PersistenceBacklog } from "../application/persistence-backlog.ts"
import type { AssessmentQueue } from "../application/ports/assessment-queue.ts"
import type { InteractionStore } from "../application/ports/interaction-store.ts"
import type { PrivacySettingsStore } from "../application/ports/privacy-settings-store.ts"
import { StoreCalls } from "../application/ports/store-calls.ts"
import type { TranscriptStore } from "../application/ports/transcript-store.ts"
import { layerIdleInteractionSweep } from "../application/sweep-idle-interactions.ts"
import {
  layerGuardedAssessmentQueue,
  layerGuardedInteractionStore,
  layerGuardedPrivacySettingsStore,
  layerGuardedTranscriptStore
} from "../application/store-guard.ts"
import { COMMUNICATION_RUBRIC_V1 } from "../domain/assessment.ts"
import * as OfflineAssessor from "../adapters/llm/offline/assessor.ts"
import * as OpenAiAssessor from "../adapters/llm/openai/assessor.ts"
import * as AssessmentMemoryInProcess from "../adapters/memory/assessment-memory.ts"
import * as OfflineBoundaryClassifier from "../adapters/llm/offline/boundary-classifier.ts"
import * as OpenAiBoundaryClassifier from "../adapters/llm/openai/boundary-classifier.ts"
import { layerDailyRetentionSweep } from "../application/sweep-retention.ts"
import { MAX_CONTEXT_LIMIT } from "../domain/context-window.ts"
import { RateLimiter } from "@effect/experimental"
import type { Assessor } from "../application/ports/assessor.ts"
import type { BoundaryClassifier } from "../application/ports/boundary-classifier.ts"
import type { ChatModel } from "../application/ports/chat-model.ts"
import { ChatStreamSettings } from "../adapters/http/handlers/chat.ts"
import { RateLimitPolicy } from "../adapters/http/rate-limit.ts"
import * as ConvexBackend from "../adapters/convex/backend.ts"
import * as ConvexAssessments from "../adapters/convex/assessment-queue.ts"
import * as ConvexInteractions from "../adapters/convex/interaction-store.ts"
import * as ConvexPrivacy from "../adapters/convex/privacy-settings-store.ts"
import * as ConvexTranscripts from "../adapters/convex/transcript-store.ts"
import * as Http from "../adapters/http/server.ts"
import * as OfflineChatModel from "../adapters/llm/offline/chat-model.ts"
import * as OpenAiChatModel from "../adapters/llm/openai/chat-model.ts"
import * as MemoryAssessments from "../adapters/memory/assessment-queue.ts"
import * as MemoryInteractions from "../adapters/memory/interaction-store.ts"
import * as MemoryPrivacy from "../adapters/memory/privacy-settings-store.ts"
import * as SessionMemory from "../adapters/memory/session-memory.ts"
import * as MemoryTranscripts from "../adapters/memory/transcript-store.ts"
import * as NodePlatform from "../adapters/node/platform.ts"
import * as SqliteDatabase from "../adapters/sqlite/database.ts"
import * as SqliteAssessments from "../adapters/sqlite/assessment-queue.ts"
import * as SqliteInteractions from "../adapters/sqlite/interaction-store.ts"
import * as SqlitePrivacy from "../adapters/sqlite/privacy-settings-store.ts"
import * as SqliteTranscripts from "../adapters/sqlite/transcript-store.ts"
import * as Telemetry from "../adapters/telemetry/prometheus-metrics.ts"
import { otlpSpanProcessor } from "../adapters/telemetry/tracing.ts"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { AppConfig } from "./config.ts"

/** The durable stores a deployment runs on. */
export type StoreLayer<E = never> = Layer.Layer<
  TranscriptStore | PrivacySettingsStore | InteractionStore | AssessmentQueue | StoreCalls,
  E,
  AppConfig
>

/** `embedded`: one SQLite file under `DATA_DIR`. */
export const embeddedStores: StoreLayer<unknown> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ dataDir }) =>
    Layer.mergeAll(
      SqliteTranscripts.layer,
      SqlitePrivacy.layer,
      SqliteInteractions.layer,
      SqliteAssessments.layer,
      StoreCalls.onCallerThread
    ).pipe(Layer.provide(SqliteDatabase.layer({ filename: join(dataDir, "coachup.sqlite") })))
  )
)

/** The Convex store adapters, on whatever backend is provided (a deployment, or convex-test). */
export const convexStoresOn = Layer.mergeAll(
  ConvexTranscripts.layer,
  ConvexPrivacy.layer,
  ConvexInteractions.layer,
  ConvexAssessments.layer,
  StoreCalls.overNetwork
)

/** `convex`: a Convex deployment (`CONVEX_URL`), reached with the server secret its functions require. */
export const convexStores: StoreLayer = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ convex }) =>
    convexStoresOn.pipe(
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
  MemoryInteractions.layer,
  MemoryAssessments.layer,
  StoreCalls.onCallerThread
).pipe(Layer.provide(MemoryAssessments.AssessmentJobTable.layer))

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
const configuredClassifier: Layer.Layer<BoundaryClassifier, never, AppConfig> = Layer.unwrapEffect(
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

/** The assessor: offline heuristics, or ASSESSMENT_MODEL when LLM_PROVIDER=openai. */
const configuredAssessor: Layer.Layer<Assessor, never, AppConfig> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ llm }) =>
    llm.provider === "offline"
      ? OfflineAssessor.layer
      : OpenAiAssessor.layer({
          apiKey: llm.apiKey,
          baseUrl: llm.baseUrl,
          model: llm.assessmentModel,
          maxRetries: llm.maxRetries
        })
  )
)

const assessmentSettings = Layer.effect(
  AssessmentSettings,
  Effect.map(AppConfig, ({ assessment }) =>
    AssessmentSettings.of({
      systemPrompt: assessment.systemPrompt,
      rubric: COMMUNICATION_RUBRIC_V1,
      timeout: assessment.timeout,
      // Longer than the assessor may take, with room for the store reads around it; a worker that
      // still overruns it loses the job, and its late answer is refused (fenced by attempt).
      lease: Duration.sum(Duration.times(assessment.timeout, 2), Duration.seconds(1)),
      maxAttempts: assessment.maxAttempts,
      retryBase: assessment.retryBase,
      retryCap: Duration.minutes(5),
      pollInterval: assessment.pollInterval,
      workers: assessment.workers,
      workerId: `${hostname()}:${process.pid}`
    })
  )
)

/**
 * Everything the use cases need, on the given stores: guarded stores (timeouts, metrics, spans),
 * session memory, the persistence backlog and its retry loop, the daily retention sweep, the idle
 * interaction sweep and the assessment workers (`ASSESSMENT_WORKERS` of them).
 */
export const application = <E>(
  stores: StoreLayer<E>,
  options: {
    /** The configured models when absent. */
    readonly assessor?: Layer.Layer<Assessor, never, AppConfig>
    readonly classifier?: Layer.Layer<BoundaryClassifier, never, AppConfig>
    /** Added to the configured telemetry, e.g. an in-memory span exporter. */
    readonly telemetry?: TelemetryExtras
    /** The retention and idle-interaction sweeps (on unless false): a `worker` process leaves them to the service. */
    readonly sweeps?: boolean
  } = {}
) =>
  Layer.mergeAll(
    backlog,
    options.sweeps === false ? Layer.empty : Layer.merge(layerDailyRetentionSweep, layerIdleInteractionSweep),
    // Memoized: the workers see the one backlog the writers fill.
    layerAssessmentWorkers.pipe(Layer.provide(backlog)),
    BackgroundWork.layer({ grace: Duration.seconds(5) }),
    SessionSequencer.layer
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerGuardedTranscriptStore,
        layerGuardedPrivacySettingsStore,
        layerGuardedInteractionStore,
        layerGuardedAssessmentQueue
      )
    ),
    Layer.provide(stores),
    Layer.provideMerge(
      Layer.mergeAll(
        sessionMemory,
        AssessmentMemoryInProcess.layer({ maxResults: 10_000 }),
        NodePlatform.layer,
        options.classifier ?? configuredClassifier,
        options.assessor ?? configuredAssessor,
        assessmentSettings,
        telemetry(options.telemetry ?? {})
      )
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

/** Where `npm run build:web` (run by `npm ci`'s prepare step) writes the web app. */
const WEB_APP_ROOT = fileURLToPath(new URL("../adapters/web/dist", import.meta.url))

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
        webRoot: WEB_APP_ROOT,
        drainTimeout: config.drainTimeout
      })
    )
  ).pipe(
    Layer.provide(httpPolicies),
    Layer.provideMerge(Layer.merge(application(stores, { telemetry: extras }), chatModel))
  )
