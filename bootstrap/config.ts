import { Config, ConfigError, Context, Duration, Either, Layer, LogLevel, Option, Redacted } from "effect"
import { clampContextLimit, type LimitWarning } from "../domain/context-window.ts"

export const DEFAULT_CHAT_SYSTEM_PROMPT =
  "You are Coach Up, a warm and direct communication coach. Help the person practise real conversations: " +
  "ask what they want to work on, play the other side of a role play when asked, and give specific, " +
  "kind feedback with one concrete thing to try next. Keep replies short enough to read aloud."

export const DEFAULT_CLASSIFIER_SYSTEM_PROMPT =
  "You label the latest user message of a coaching conversation. Answer `start` when it opens a practice " +
  "or role play, `continue` when it carries an open one forward, `end` when it closes one, `one_off` when " +
  "it is a single self-contained request for feedback, and `ignore` for chatter that is not assessable."

export const DEFAULT_ASSESSMENT_SYSTEM_PROMPT =
  "You assess one finished practice interaction of a communication-coaching session against the rubric given. " +
  "Score each criterion from 1 (absent) to 5 (excellent) on what the user actually wrote, justify each score " +
  "in one or two sentences that point at the user's own words, summarise the interaction in two or three " +
  "sentences, and give one concrete next step the user can try in their next conversation."

/** Everything the service reads from its environment, read once and validated here. */
export interface AppConfigShape {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  /** Set: the service runs on this Convex deployment instead of the SQLite file. */
  readonly convex: Option.Option<{ readonly url: string; readonly serverSecret: Redacted.Redacted<string> }>
  readonly persistTranscriptsEnabled: boolean
  readonly chatContextLimit: number
  readonly classifierContextLimit: number
  /** Limits the environment gave out of range or unparsable, to be logged at start. */
  readonly limitWarnings: ReadonlyArray<{ readonly variable: string; readonly warning: LimitWarning }>
  readonly contextFromStore: boolean
  readonly chatSystemPrompt: string
  readonly classifierSystemPrompt: string
  readonly logLevel: LogLevel.LogLevel
  /** Set: traces are exported over OTLP/HTTP to this base URL (`/v1/traces` is appended). */
  readonly otlpEndpoint: Option.Option<string>
  readonly retentionDays: number
  readonly storeTimeout: Duration.Duration
  readonly maxBodyBytes: number
  readonly sessionMemory: { readonly maxSessions: number; readonly idleTtl: Duration.Duration }
  readonly persistBacklog: { readonly capacity: number; readonly retryEvery: Duration.Duration }
  readonly drainTimeout: Duration.Duration
  readonly llm: LlmConfig
  readonly chatIdleTimeout: Duration.Duration
  readonly chatTurnTimeout: Duration.Duration
  readonly sseHeartbeat: Duration.Duration
  readonly idHashSalt: Redacted.Redacted<string>
  readonly rateLimits: RateLimits
  readonly classifierMinConfidence: number
  readonly classifierTimeout: Duration.Duration
  readonly interactionIdleTimeout: Duration.Duration
  readonly assessment: AssessmentConfig
}

/** The assessment worker: how long one attempt may take, how often it retries, how many run here. */
export interface AssessmentConfig {
  readonly systemPrompt: string
  readonly timeout: Duration.Duration
  readonly maxAttempts: number
  readonly retryBase: Duration.Duration
  readonly pollInterval: Duration.Duration
  /** Workers in this process; 0 when separate `worker` processes do the work. */
  readonly workers: number
}

/** Which models serve, and how to reach them. */
export type LlmConfig =
  | { readonly provider: "offline"; readonly tokenDelay: Duration.Duration }
  | {
      readonly provider: "openai"
      readonly apiKey: Option.Option<Redacted.Redacted<string>>
      readonly baseUrl: Option.Option<string>
      readonly chatModel: string
      readonly classifierModel: string
      readonly assessmentModel: string
      readonly maxRetries: number
    }

/** Requests per minute, each a token bucket of that size. */
export interface RateLimits {
  readonly chatPerUser: number
  readonly chatPerSession: number
  readonly ingestPerUser: number
  readonly ingestPerSession: number
}

export class AppConfig extends Context.Tag("coachup/AppConfig")<AppConfig, AppConfigShape>() {}

const positiveInteger = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be a positive integer`, validation: (value) => value > 0 })
  )

const nonNegativeInteger = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.withDefault(fallback),
    Config.validate({ message: `${name} must be an integer of 0 or more`, validation: (value) => value >= 0 })
  )

/** A variable left empty (as in a copied .env.example) counts as unset. */
const optionalString = (name: string) =>
  Config.string(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim() !== "")))

const stringOr = (name: string, fallback: string) =>
  Config.map(
    optionalString(name),
    Option.getOrElse(() => fallback)
  )

const llm: Config.Config<LlmConfig> = Config.all({
  provider: Config.literal("offline", "openai")("LLM_PROVIDER").pipe(Config.withDefault("offline" as const)),
  tokenDelayMs: nonNegativeInteger("OFFLINE_TOKEN_DELAY_MS", 30),
  apiKey: Config.map(optionalString("OPENAI_API_KEY"), Option.map(Redacted.make)),
  baseUrl: optionalString("OPENAI_BASE_URL"),
  chatModel: stringOr("CHAT_MODEL", "gpt-4o-mini"),
  classifierModel: stringOr("CLASSIFIER_MODEL", "gpt-4o-mini"),
  assessmentModel: stringOr("ASSESSMENT_MODEL", "gpt-4o-mini"),
  maxRetries: nonNegativeInteger("OPENAI_MAX_RETRIES", 2)
}).pipe(
  Config.mapOrFail(
    ({
      provider,
      tokenDelayMs,
      apiKey,
      baseUrl,
      chatModel,
      classifierModel,
      assessmentModel,
      maxRetries
    }): Either.Either<LlmConfig, ConfigError.ConfigError> => {
      if (provider === "offline") return Either.right({ provider, tokenDelay: Duration.millis(tokenDelayMs) })
      if (Option.isNone(apiKey) && Option.isNone(baseUrl)) {
        return Either.left(
          ConfigError.MissingData(
            [],
            "LLM_PROVIDER=openai needs OPENAI_API_KEY, or OPENAI_BASE_URL for a keyless server"
          )
        )
      }
      const invalidUrl = Option.exists(baseUrl, (url) => !URL.canParse(url))
      return invalidUrl
        ? Either.left(ConfigError.InvalidData([], "OPENAI_BASE_URL must be a URL"))
        : Either.right({ provider, apiKey, baseUrl, chatModel, classifierModel, assessmentModel, maxRetries })
    }
  )
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
  convex: Config.all({
    url: optionalString("CONVEX_URL"),
    secret: optionalString("CONVEX_SERVER_SECRET")
  }).pipe(
    Config.mapOrFail(({ url, secret }): Either.Either<AppConfigShape["convex"], ConfigError.ConfigError> => {
      if (Option.isNone(url)) return Either.right(Option.none())
      if (!URL.canParse(url.value))
        return Either.left(ConfigError.InvalidData([], "CONVEX_URL must be a URL"))
      return Option.isNone(secret)
        ? Either.left(
            ConfigError.MissingData(
              [],
              "CONVEX_URL is set: CONVEX_SERVER_SECRET must hold the secret the functions require"
            )
          )
        : Either.right(Option.some({ url: url.value, serverSecret: Redacted.make(secret.value) }))
    })
  ),
  persistTranscriptsEnabled: Config.boolean("PERSIST_TRANSCRIPTS_ENABLED").pipe(Config.withDefault(true)),
  chat: contextLimit("CHAT_CONTEXT_LIMIT", 20),
  classifier: contextLimit("CLASSIFIER_CONTEXT_LIMIT", 10),
  contextFromStore: Config.all([
    Config.option(Config.boolean("CHAT_CONTEXT_FROM_DB")),
    Config.option(Config.boolean("CHAT_CONTEXT_FROM_CONVEX"))
  ]).pipe(
    Config.map(([fromDb, alias]) =>
      Option.getOrElse(
        Option.orElse(fromDb, () => alias),
        () => true
      )
    )
  ),
  chatSystemPrompt: stringOr("CHAT_SYSTEM_PROMPT", DEFAULT_CHAT_SYSTEM_PROMPT),
  classifierSystemPrompt: stringOr("CLASSIFIER_SYSTEM_PROMPT", DEFAULT_CLASSIFIER_SYSTEM_PROMPT),
  logLevel: Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
  otlpEndpoint: optionalString("OTEL_EXPORTER_OTLP_ENDPOINT").pipe(
    Config.validate({
      message: "OTEL_EXPORTER_OTLP_ENDPOINT must be a URL, e.g. http://127.0.0.1:4318",
      validation: Option.match({
        onNone: () => true,
        onSome: (url) => URL.canParse(url) && ["http:", "https:"].includes(new URL(url).protocol)
      })
    })
  ),
  retentionDays: positiveInteger("TRANSCRIPT_RETENTION_DAYS", 30),
  storeTimeoutMs: positiveInteger("STORE_TIMEOUT_MS", 2000),
  maxBodyBytes: positiveInteger("MAX_BODY_BYTES", 256 * 1024),
  memoryMaxSessions: positiveInteger("SESSION_MEMORY_MAX_SESSIONS", 10_000),
  memoryIdleMinutes: positiveInteger("SESSION_MEMORY_IDLE_MINUTES", 60),
  backlogCapacity: positiveInteger("PERSIST_BACKLOG_CAPACITY", 10_000),
  retrySeconds: positiveInteger("PERSIST_RETRY_SECONDS", 2),
  drainSeconds: positiveInteger("SHUTDOWN_DRAIN_SECONDS", 10),
  llm,
  chatIdleTimeoutMs: positiveInteger("CHAT_IDLE_TIMEOUT_MS", 10_000),
  chatTurnTimeoutMs: positiveInteger("CHAT_TURN_TIMEOUT_MS", 120_000),
  sseHeartbeatSeconds: positiveInteger("SSE_HEARTBEAT_SECONDS", 15),
  // Unset: a random salt per process, so hashed ids correlate within one run only.
  idHashSalt: Config.map(optionalString("ID_HASH_SALT"), (salt) =>
    Redacted.make(Option.getOrElse(salt, () => crypto.randomUUID()))
  ),
  classifierMinConfidence: Config.number("CLASSIFIER_MIN_CONFIDENCE").pipe(
    Config.withDefault(0.6),
    Config.validate({
      message: "CLASSIFIER_MIN_CONFIDENCE must be a number in 0..1",
      validation: (value) => value >= 0 && value <= 1
    })
  ),
  classifierTimeoutMs: positiveInteger("CLASSIFIER_TIMEOUT_MS", 5_000),
  interactionIdleMinutes: positiveInteger("INTERACTION_IDLE_MINUTES", 30),
  assessment: Config.all({
    systemPrompt: stringOr("ASSESSMENT_SYSTEM_PROMPT", DEFAULT_ASSESSMENT_SYSTEM_PROMPT),
    timeoutMs: positiveInteger("ASSESSMENT_TIMEOUT_MS", 30_000),
    maxAttempts: positiveInteger("ASSESSMENT_MAX_ATTEMPTS", 5),
    retryBaseMs: positiveInteger("ASSESSMENT_RETRY_BASE_MS", 2_000),
    pollMs: positiveInteger("ASSESSMENT_POLL_MS", 250),
    workers: nonNegativeInteger("ASSESSMENT_WORKERS", 2)
  }).pipe(
    Config.map(({ timeoutMs, retryBaseMs, pollMs, ...rest }) => ({
      ...rest,
      timeout: Duration.millis(timeoutMs),
      retryBase: Duration.millis(retryBaseMs),
      pollInterval: Duration.millis(pollMs)
    }))
  ),
  rateLimits: Config.all({
    chatPerUser: positiveInteger("RATE_LIMIT_CHAT_PER_USER_PER_MINUTE", 30),
    chatPerSession: positiveInteger("RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE", 20),
    ingestPerUser: positiveInteger("RATE_LIMIT_INGEST_PER_USER_PER_MINUTE", 600),
    ingestPerSession: positiveInteger("RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE", 300)
  })
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
      chatIdleTimeoutMs,
      chatTurnTimeoutMs,
      sseHeartbeatSeconds,
      classifierTimeoutMs,
      interactionIdleMinutes,
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
      drainTimeout: Duration.seconds(drainSeconds),
      chatIdleTimeout: Duration.millis(chatIdleTimeoutMs),
      chatTurnTimeout: Duration.millis(chatTurnTimeoutMs),
      sseHeartbeat: Duration.seconds(sseHeartbeatSeconds),
      classifierTimeout: Duration.millis(classifierTimeoutMs),
      interactionIdleTimeout: Duration.minutes(interactionIdleMinutes)
    })
  )
)

/** Reads the configuration from the current ConfigProvider (the environment, or a map in tests). */
export const layer = Layer.effect(AppConfig, appConfig)
