import { hostname } from "node:os"
import { fileURLToPath } from "node:url"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Config, Effect, Layer, Logger, LogLevel } from "effect"
import { AssessmentSettings } from "../application/assess-interaction.ts"
import { layerAssessmentWorkers } from "../application/assessment-worker.ts"
import { BackgroundWork } from "../application/background-work.ts"
import { ClassifierSettings } from "../application/ask-classifier.ts"
import { InteractionSettings } from "../application/commit-interaction.ts"
import * as Tokenizer from "../adapters/llm/tokenizer.ts"
import { ContextSettings } from "../application/context-settings.ts"
import { HashedIds } from "../application/hashed-id.ts"
import { layerPolledRepliesConfig } from "../application/follow-reply.ts"
import { layerAbandonedReplySweep } from "../application/finish-abandoned-replies.ts"
import { OutboxDelivery } from "../application/outbox-delivery.ts"
import { TranscriptPersistence } from "../application/resolve-persistence.ts"
import type { AssessmentQueue } from "../application/ports/assessment-queue.ts"
import type { Assessor } from "../application/ports/assessor.ts"
import type { BoundaryClassifier } from "../application/ports/boundary-classifier.ts"
import type { ChatModel } from "../application/ports/chat-model.ts"
import type { InteractionStore } from "../application/ports/interaction-store.ts"
import type { PrivacySettingsStore } from "../application/ports/privacy-settings-store.ts"
import { RateLimitBuckets } from "../application/ports/rate-limit-buckets.ts"
import type { ReplyWriters } from "../application/ports/reply-writers.ts"
import type { StoreChanges } from "../application/ports/store-changes.ts"
import type { SessionOwners } from "../application/ports/session-owners.ts"
import type { StoredReplyWatch } from "../application/ports/stored-reply-watch.ts"
import type { StoreCalls } from "../application/ports/store-calls.ts"
import type { TranscriptOutbox } from "../application/ports/transcript-outbox.ts"
import type { TranscriptStore } from "../application/ports/transcript-store.ts"
import { ReplySettings } from "../application/reply-recorder.ts"
import { layerRememberedOutbox } from "../application/remembered-outbox.ts"
import { layerRememberedPrivacy } from "../application/remembered-privacy.ts"
import { layerRememberedOwners } from "../application/session-access.ts"
import { SessionSequencer } from "../application/session-sequencer.ts"
import { layerIdleInteractionSweep } from "../application/sweep-idle-interactions.ts"
import {
  layerGuardedAssessmentQueue,
  layerGuardedInteractionStore,
  layerGuardedPrivacySettingsStore,
  layerGuardedSessionOwners,
  layerGuardedTranscriptOutbox,
  layerGuardedTranscriptStore
} from "../application/store-guard.ts"
import { layerDailyRetentionSweep } from "../application/sweep-retention.ts"
import { ChatSettings } from "../application/turn-events.ts"
import * as ConvexBackend from "../adapters/convex/backend.ts"
import * as ConvexReplyWatch from "../adapters/convex/reply-watch.ts"
import * as ConvexStores from "../adapters/convex/stores.ts"
import * as Http from "../adapters/http/server.ts"
import * as OfflineModels from "../adapters/llm/offline/models.ts"
import * as OpenAiModels from "../adapters/llm/openai/models.ts"
import * as AssessmentMemory from "../adapters/memory/assessment-memory.ts"
import * as MemoryStores from "../adapters/memory/stores.ts"
import * as RepliesInFlight from "../adapters/memory/replies-in-flight.ts"
import * as MemoryOutbox from "../adapters/memory/transcript-outbox.ts"
import * as SessionMemory from "../adapters/memory/session-memory.ts"
import * as NodePlatform from "../adapters/node/platform.ts"
import * as SqliteStores from "../adapters/sqlite/stores.ts"
import * as SqliteOutbox from "../adapters/sqlite/transcript-outbox.ts"
import * as JsonLogLines from "../adapters/telemetry/json-log-lines.ts"
import * as Telemetry from "../adapters/telemetry/prometheus-metrics.ts"
import { deployment } from "./config.ts"

/** What `logging` reads. */
export const logLevel = Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info))

/** JSON log lines at `LOG_LEVEL`, on standard output once per event-loop turn. */
export const logging = Layer.unwrapEffect(
  Effect.map(logLevel, (level) => Layer.merge(JsonLogLines.layer, Logger.minimumLogLevel(level)))
)

/** The durable stores a deployment runs on, and the outbox that holds writes while they cannot. */
export type StoreLayer<E = never> = Layer.Layer<
  | RateLimitBuckets
  | TranscriptStore
  | PrivacySettingsStore
  | SessionOwners
  | InteractionStore
  | AssessmentQueue
  | StoreCalls
  | StoreChanges
  | ReplyWriters
  | TranscriptOutbox,
  E
>

/** `test`: process memory, nothing on disk, the outbox included. */
export const memoryStores: StoreLayer<unknown> = Layer.merge(MemoryStores.layer, MemoryOutbox.layerConfig)

/** `embedded`: one SQLite file under `DATA_DIR`, and the outbox in a file of its own beside it. */
export const embeddedStores: StoreLayer<unknown> = Layer.merge(
  SqliteStores.layerConfig,
  SqliteOutbox.layerConfig
)

/**
 * The Convex store adapters, on whatever backend is provided (a deployment, or convex-test), with
 * the outbox in its SQLite file under `DATA_DIR`.
 */
export const convexStoresOn = Layer.merge(ConvexStores.layer, SqliteOutbox.layerConfig)

/** The stores the deployment chose: the Convex deployment at `CONVEX_URL`, else the SQLite file. */
export const configuredStores: StoreLayer<unknown> = Layer.unwrapEffect(
  Effect.map(deployment, ({ store }) =>
    store === "convex" ? convexStoresOn.pipe(Layer.provide(ConvexBackend.layerConfig)) : embeddedStores
  )
)

/**
 * How a process follows a reply another process writes into the store: a Convex subscription, or
 * reading the SQLite file (or memory) every REPLY_FOLLOW_POLL_MS.
 */
export const configuredReplyWatch: Layer.Layer<StoredReplyWatch, unknown, TranscriptStore> =
  Layer.unwrapEffect(
    Effect.map(deployment, ({ store }) =>
      store === "convex" ? ConvexReplyWatch.layerConfig : layerPolledRepliesConfig
    )
  )

/** The chat model, classifier and assessor `LLM_PROVIDER` names: offline (default) or OpenAI-compatible. */
export const configuredModels: Layer.Layer<ChatModel | BoundaryClassifier | Assessor, unknown> =
  Layer.unwrapEffect(
    Effect.map(deployment, ({ models }) =>
      models === "offline" ? OfflineModels.layerConfig : OpenAiModels.layerConfig
    )
  )

export interface ApplicationOptions {
  /** Models in place of the configured ones (tests script them). */
  readonly chatModel?: Layer.Layer<ChatModel>
  readonly classifier?: Layer.Layer<BoundaryClassifier>
  readonly assessor?: Layer.Layer<Assessor>
  /** Span processors beside the OTLP one the environment configures (tests record spans in memory). */
  readonly spanProcessors?: ReadonlyArray<SpanProcessor>
  /**
   * The retention, idle-interaction and abandoned-reply sweeps (on unless false): a `worker` process
   * leaves them to the service.
   */
  readonly sweeps?: boolean
}

/**
 * Everything the use cases need, on the given stores: guarded stores (timeouts, metrics, spans),
 * the stores' rate-limit buckets, session memory, the outbox's delivery loop, the sweeps and the assessment workers.
 */
export const application = <E>(stores: StoreLayer<E>, options: ApplicationOptions = {}) =>
  Layer.mergeAll(
    OutboxDelivery.layerConfig,
    options.sweeps === false
      ? Layer.empty
      : Layer.mergeAll(layerDailyRetentionSweep, layerIdleInteractionSweep, layerAbandonedReplySweep),
    layerAssessmentWorkers,
    BackgroundWork.layer({ grace: "5 seconds" }),
    SessionSequencer.layer,
    configuredReplyWatch
  ).pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        layerGuardedTranscriptStore,
        layerRememberedPrivacy(100_000).pipe(Layer.provide(layerGuardedPrivacySettingsStore)),
        layerRememberedOwners(100_000).pipe(Layer.provide(layerGuardedSessionOwners)),
        layerGuardedInteractionStore,
        layerGuardedAssessmentQueue,
        layerRememberedOutbox(100_000).pipe(Layer.provide(layerGuardedTranscriptOutbox)),
        // The request budgets' buckets, for the HTTP edge: each store bounds its own call's wait.
        Layer.effect(RateLimitBuckets, RateLimitBuckets)
      )
    ),
    Layer.provide(stores),
    Layer.provideMerge(
      Layer.mergeAll(
        SessionMemory.layerConfig,
        RepliesInFlight.layer,
        AssessmentMemory.layer({ maxResults: 10_000 }),
        // Later layers win: a model given replaces the configured one.
        configuredModels,
        options.chatModel ?? Layer.empty,
        options.classifier ?? Layer.empty,
        options.assessor ?? Layer.empty,
        AssessmentSettings.layerConfig(`${hostname()}:${process.pid}`),
        Telemetry.layerConfig({ spanProcessors: options.spanProcessors ?? [] }),
        ContextSettings.layerConfig.pipe(Layer.provide(Tokenizer.layerConfig)),
        ChatSettings.layerConfig,
        ReplySettings.layerConfig,
        ClassifierSettings.layerConfig,
        InteractionSettings.layerConfig,
        TranscriptPersistence.layerConfig,
        HashedIds.layerConfig
      )
    ),
    Layer.provideMerge(NodePlatform.layer)
  )

/** Where `npm run build:web` (run by `npm ci`'s prepare step) writes the web app. */
const WEB_APP_ROOT = fileURLToPath(new URL("../adapters/web/dist", import.meta.url))

/** The HTTP service on its configured address, over the given stores; exposes its server and services. */
export const server = <E>(stores: StoreLayer<E>, options: ApplicationOptions = {}) =>
  Http.layerConfig({ webRoot: WEB_APP_ROOT }).pipe(Layer.provideMerge(application(stores, options)))
