import { Config, Context, Effect, Layer, Option } from "effect"
import { clampContextLimit } from "../domain/context-window.ts"
import { stringOr } from "./config-values.ts"

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
  /** Read from the environment; context limits given out of range or unparsable are logged. */
  static readonly layerConfig = Layer.effect(
    ContextSettings,
    Effect.gen(function* () {
      const { chat, classifier, fromStore, chatSystemPrompt, classifierSystemPrompt } = yield* config
      for (const { variable, warning } of [chat, classifier]) {
        if (warning === undefined) continue
        yield* Effect.logWarning(
          `${variable}="${warning.raw}" ${warning._tag === "Clamped" ? "clamped" : "is not an integer"}; using ${warning.used}`
        )
      }
      return ContextSettings.of({
        fromStore,
        chat: { limit: chat.limit, systemPrompt: chatSystemPrompt },
        classifier: { limit: classifier.limit, systemPrompt: classifierSystemPrompt }
      })
    })
  )
}
