import { Config, ConfigError, Context, Effect, Layer, Option } from "effect"
import { clampContextLimit, MESSAGE_FRAMING_TOKENS, TRUNCATION_MARKER } from "../domain/context-window.ts"
import { positiveInteger, stringOr } from "./config-values.ts"
import { type Tokenizer, Tokenizers } from "./ports/tokenizer.ts"

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

/** What `ContextSettings.layerConfig` reads. */
export const config = Config.all({
  chat: contextLimit("CHAT_CONTEXT_LIMIT", 20),
  classifier: contextLimit("CLASSIFIER_CONTEXT_LIMIT", 10),
  // Room for a long conversation on a 32k-token model, with the reply's share left over; 128k models
  // take more. The classifier labels one message and needs little context.
  chatMaxTokens: positiveInteger("CHAT_CONTEXT_MAX_TOKENS", 16_000),
  classifierMaxTokens: positiveInteger("CLASSIFIER_CONTEXT_MAX_TOKENS", 4_000),
  // The seed's CHAT_CONTEXT_FROM_CONVEX is read when CHAT_CONTEXT_FROM_DB is unset.
  fromStore: Config.boolean("CHAT_CONTEXT_FROM_DB").pipe(
    Config.orElse(() => Config.boolean("CHAT_CONTEXT_FROM_CONVEX")),
    Config.withDefault(true)
  ),
  chatSystemPrompt: stringOr("CHAT_SYSTEM_PROMPT", DEFAULT_CHAT_SYSTEM_PROMPT),
  classifierSystemPrompt: stringOr("CLASSIFIER_SYSTEM_PROMPT", DEFAULT_CLASSIFIER_SYSTEM_PROMPT)
})

/** What a context window is made of, for each model. */
export interface WindowSettings {
  /** The last this many messages. */
  readonly limit: number
  readonly systemPrompt: string
  /** The system prompt's and the messages' tokens stay within this. */
  readonly maxTokens: number
  readonly systemPromptTokens: number
  /** The model's tokenizer. */
  readonly tokenizer: Tokenizer
}

/** Tokens a budget must leave for messages beyond the system prompt: the newest one's start, at least. */
export const MIN_MESSAGE_TOKENS = 64

/** One model's window settings; a budget the system prompt leaves too little of fails the start. */
const windowSettings = (
  variable: string,
  values: { readonly limit: number; readonly systemPrompt: string; readonly maxTokens: number },
  tokenizer: Tokenizer
) => {
  const systemPromptTokens = tokenizer.count(values.systemPrompt)
  const needed =
    systemPromptTokens + MESSAGE_FRAMING_TOKENS + tokenizer.count(TRUNCATION_MARKER) + MIN_MESSAGE_TOKENS
  return values.maxTokens >= needed
    ? Effect.succeed<WindowSettings>({ ...values, systemPromptTokens, tokenizer })
    : Effect.fail(
        ConfigError.InvalidData(
          [variable],
          `${variable}=${values.maxTokens} leaves too little for messages: the system prompt takes ` +
            `${systemPromptTokens} tokens (${tokenizer.encoding}); give at least ${needed}`
        )
      )
}

/** How context windows are built (`BuildContext`). */
export class ContextSettings extends Context.Tag("coachup/ContextSettings")<
  ContextSettings,
  {
    /** Windows come from the store (with memory fallbacks) when on, else from memory. */
    readonly fromStore: boolean
    readonly chat: WindowSettings
    readonly classifier: WindowSettings
  }
>() {
  /**
   * Read from the environment, with each model's tokenizer; context limits given out of range or
   * unparsable are logged.
   */
  static readonly layerConfig = Layer.effect(
    ContextSettings,
    Effect.gen(function* () {
      const values = yield* config
      const { chat, classifier, fromStore } = values
      const tokenizers = yield* Tokenizers
      for (const { variable, warning } of [chat, classifier]) {
        if (warning === undefined) continue
        yield* Effect.logWarning(
          `${variable}="${warning.raw}" ${warning._tag === "Clamped" ? "clamped" : "is not an integer"}; using ${warning.used}`
        )
      }
      return ContextSettings.of({
        fromStore,
        chat: yield* windowSettings(
          "CHAT_CONTEXT_MAX_TOKENS",
          { limit: chat.limit, systemPrompt: values.chatSystemPrompt, maxTokens: values.chatMaxTokens },
          tokenizers.chat
        ),
        classifier: yield* windowSettings(
          "CLASSIFIER_CONTEXT_MAX_TOKENS",
          {
            limit: classifier.limit,
            systemPrompt: values.classifierSystemPrompt,
            maxTokens: values.classifierMaxTokens
          },
          tokenizers.classifier
        )
      })
    })
  )
}
