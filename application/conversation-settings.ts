import { Config, Context, type Duration, Effect, Layer, Option } from "effect"
import { clampContextLimit } from "../domain/context-window.ts"
import { duration, stringOr } from "./config-values.ts"

export const DEFAULT_CHAT_SYSTEM_PROMPT =
  "You are Coach Up, a warm and direct communication coach. Help the person practise real conversations: " +
  "ask what they want to work on, play the other side of a role play when asked, and give specific, " +
  "kind feedback with one concrete thing to try next. Keep replies short enough to read aloud."

export const DEFAULT_CLASSIFIER_SYSTEM_PROMPT =
  "You label the latest user message of a coaching conversation. Answer `start` when it opens a practice " +
  "or role play, `continue` when it carries an open one forward, `end` when it closes one, `one_off` when " +
  "it is a single self-contained request for feedback, and `ignore` for chatter that is not assessable."

/**
 * A context limit: clamped to 1..200, or the default when unparsable, with a warning logged when the
 * layer is built.
 */
const contextLimit = (name: string, fallback: number) =>
  Config.string(name).pipe(
    Config.option,
    Config.map((raw) => ({ variable: name, ...clampContextLimit(Option.getOrUndefined(raw), fallback) }))
  )

/** What `ConversationSettings.layerConfig` reads. */
export const config = Config.all({
  persistTranscriptsEnabled: Config.boolean("PERSIST_TRANSCRIPTS_ENABLED").pipe(Config.withDefault(true)),
  chat: contextLimit("CHAT_CONTEXT_LIMIT", 20),
  classifier: contextLimit("CLASSIFIER_CONTEXT_LIMIT", 10),
  // The seed's CHAT_CONTEXT_FROM_CONVEX is read when CHAT_CONTEXT_FROM_DB is unset.
  contextFromStore: Config.boolean("CHAT_CONTEXT_FROM_DB").pipe(
    Config.orElse(() => Config.boolean("CHAT_CONTEXT_FROM_CONVEX")),
    Config.withDefault(true)
  ),
  chatSystemPrompt: stringOr("CHAT_SYSTEM_PROMPT", DEFAULT_CHAT_SYSTEM_PROMPT),
  classifierSystemPrompt: stringOr("CLASSIFIER_SYSTEM_PROMPT", DEFAULT_CLASSIFIER_SYSTEM_PROMPT),
  chatIdleTimeout: duration("CHAT_IDLE_TIMEOUT_MS", 10_000),
  chatTurnTimeout: duration("CHAT_TURN_TIMEOUT_MS", 120_000),
  classifierMinConfidence: Config.number("CLASSIFIER_MIN_CONFIDENCE").pipe(
    Config.withDefault(0.6),
    Config.validate({
      message: "CLASSIFIER_MIN_CONFIDENCE must be a number in 0..1",
      validation: (value) => value >= 0 && value <= 1
    })
  ),
  classifierTimeout: duration("CLASSIFIER_TIMEOUT_MS", 5_000),
  interactionIdleTimeout: duration("INTERACTION_IDLE_MINUTES", 30, "minutes")
})

/** The settings the conversation use cases read. */
export class ConversationSettings extends Context.Tag("coachup/ConversationSettings")<
  ConversationSettings,
  {
    /** `PERSIST_TRANSCRIPTS_ENABLED`: off means nothing is persisted for anyone. */
    readonly persistTranscriptsEnabled: boolean
    /** Context windows come from the store (with memory fallbacks) when on, else from memory. */
    readonly contextFromStore: boolean
    readonly chatContextLimit: number
    readonly classifierContextLimit: number
    readonly chatSystemPrompt: string
    readonly classifierSystemPrompt: string
    /** A model that sends no text for this long fails the turn (first token, and between tokens). */
    readonly chatIdleTimeout: Duration.Duration
    /** A turn that has not finished after this long fails. */
    readonly chatTurnTimeout: Duration.Duration
    /** `CLASSIFIER_MIN_CONFIDENCE`: boundaries below it are not acted on. */
    readonly classifierMinConfidence: number
    readonly classifierTimeout: Duration.Duration
    /** An open interaction with no message for this long closes and is assessed. */
    readonly interactionIdleTimeout: Duration.Duration
  }
>() {
  /** Read from the environment; context limits given out of range or unparsable are logged. */
  static readonly layerConfig = Layer.effect(
    ConversationSettings,
    Effect.gen(function* () {
      const { chat, classifier, ...rest } = yield* config
      for (const { variable, warning } of [chat, classifier]) {
        if (warning === undefined) continue
        yield* Effect.logWarning(
          `${variable}="${warning.raw}" ${warning._tag === "Clamped" ? "clamped" : "is not an integer"}; using ${warning.used}`
        )
      }
      return ConversationSettings.of({
        ...rest,
        chatContextLimit: chat.limit,
        classifierContextLimit: classifier.limit
      })
    })
  )
}
