import { Config, Context, Duration, Layer, LogLevel, Option } from "effect"
import { clampContextLimit, type LimitWarning } from "../domain/context-window.ts"

export const DEFAULT_CHAT_SYSTEM_PROMPT =
  "You are Coach Up, a warm and direct communication coach. Help the person practise real conversations: " +
  "ask what they want to work on, play the other side of a role play when asked, and give specific, " +
  "kind feedback with one concrete thing to try next. Keep replies short enough to read aloud."

export const DEFAULT_CLASSIFIER_SYSTEM_PROMPT =
  "You label the latest user message of a coaching conversation. Answer `start` when it opens a practice " +
  "or role play, `continue` when it carries an open one forward, `end` when it closes one, `one_off` when " +
  "it is a single self-contained request for feedback, and `ignore` for chatter that is not assessable."

/** Everything the service reads from its environment, read once and validated here. */
export interface AppConfigShape {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  readonly convexUrl: Option.Option<string>
  readonly persistTranscriptsEnabled: boolean
  readonly chatContextLimit: number
  readonly classifierContextLimit: number
  /** Limits the environment gave out of range or unparsable, to be logged at start. */
  readonly limitWarnings: ReadonlyArray<{ readonly variable: string; readonly warning: LimitWarning }>
  readonly contextFromStore: boolean
  readonly chatSystemPrompt: string
  readonly classifierSystemPrompt: string
  readonly logLevel: LogLevel.LogLevel
  readonly retentionDays: number
  readonly storeTimeout: Duration.Duration
  readonly maxBodyBytes: number
  readonly sessionMemory: { readonly maxSessions: number; readonly idleTtl: Duration.Duration }
  readonly persistBacklog: { readonly capacity: number; readonly retryEvery: Duration.Duration }
  readonly drainTimeout: Duration.Duration
}

export class AppConfig extends Context.Tag("coachup/AppConfig")<AppConfig, AppConfigShape>() {}

const positiveInteger = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (value) => value > 0 })
  )

/** A context limit: clamped to 1..200, or the default when unparsable, with a warning either way. */
const contextLimit = (name: string, fallback: number) =>
  Config.string(name).pipe(
    Config.option,
    Config.map((raw) => ({ variable: name, ...clampContextLimit(Option.getOrUndefined(raw), fallback) }))
  )

export const appConfig: Config.Config<AppConfigShape> = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("PORT").pipe(
    Config.withDefault(3000),
    Config.validate({
      message: "PORT must be a port number, 0..65535 (0: any free port)",
      validation: (port) => port >= 0 && port <= 65535
    })
  ),
  dataDir: Config.string("DATA_DIR").pipe(Config.withDefault("./data")),
  convexUrl: Config.option(Config.url("CONVEX_URL").pipe(Config.map(String))),
  persistTranscriptsEnabled: Config.boolean("PERSIST_TRANSCRIPTS_ENABLED").pipe(Config.withDefault(true)),
  chat: contextLimit("CHAT_CONTEXT_LIMIT", 20),
  classifier: contextLimit("CLASSIFIER_CONTEXT_LIMIT", 10),
  contextFromStore: Config.boolean("CHAT_CONTEXT_FROM_DB").pipe(
    Config.orElse(() => Config.boolean("CHAT_CONTEXT_FROM_CONVEX")),
    Config.withDefault(true)
  ),
  chatSystemPrompt: Config.string("CHAT_SYSTEM_PROMPT").pipe(Config.withDefault(DEFAULT_CHAT_SYSTEM_PROMPT)),
  classifierSystemPrompt: Config.string("CLASSIFIER_SYSTEM_PROMPT").pipe(
    Config.withDefault(DEFAULT_CLASSIFIER_SYSTEM_PROMPT)
  ),
  logLevel: Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
  retentionDays: positiveInteger("TRANSCRIPT_RETENTION_DAYS", 30),
  storeTimeoutMs: positiveInteger("STORE_TIMEOUT_MS", 2000),
  maxBodyBytes: positiveInteger("MAX_BODY_BYTES", 256 * 1024),
  memoryMaxSessions: positiveInteger("SESSION_MEMORY_MAX_SESSIONS", 10_000),
  memoryIdleMinutes: positiveInteger("SESSION_MEMORY_IDLE_MINUTES", 60),
  backlogCapacity: positiveInteger("PERSIST_BACKLOG_CAPACITY", 10_000),
  retrySeconds: positiveInteger("PERSIST_RETRY_SECONDS", 2),
  drainSeconds: positiveInteger("SHUTDOWN_DRAIN_SECONDS", 10)
}).pipe(
  Config.map(
    ({
      chat,
      classifier,
      storeTimeoutMs,
      memoryMaxSessions,
      memoryIdleMinutes,
      backlogCapacity,
      retrySeconds,
      drainSeconds,
      ...rest
    }) => ({
      ...rest,
      chatContextLimit: chat.limit,
      classifierContextLimit: classifier.limit,
      limitWarnings: [chat, classifier].flatMap(({ variable, warning }) =>
        warning === undefined ? [] : [{ variable, warning }]
      ),
      storeTimeout: Duration.millis(storeTimeoutMs),
      sessionMemory: { maxSessions: memoryMaxSessions, idleTtl: Duration.minutes(memoryIdleMinutes) },
      persistBacklog: { capacity: backlogCapacity, retryEvery: Duration.seconds(retrySeconds) },
      drainTimeout: Duration.seconds(drainSeconds)
    })
  )
)

/** Reads the configuration from the current ConfigProvider (the environment, or a map in tests). */
export const layer = Layer.effect(AppConfig, appConfig)
