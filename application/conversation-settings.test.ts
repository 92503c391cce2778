import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Layer, Logger } from "effect"
import { ConversationSettings, DEFAULT_CHAT_SYSTEM_PROMPT } from "./conversation-settings.ts"

/** The settings from `env`, and the warnings logged while they were read. */
const settingsFrom = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const settings = yield* ConversationSettings.pipe(
      Effect.provide(
        ConversationSettings.layerConfig.pipe(
          Layer.provide(
            Logger.replace(
              Logger.defaultLogger,
              Logger.make(({ message }) => warnings.push(String(message)))
            )
          )
        )
      ),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))
    )
    return { settings, warnings }
  })

describe("conversation settings", () => {
  it.effect("has a default for everything", () =>
    Effect.gen(function* () {
      const { settings, warnings } = yield* settingsFrom({})
      expect(settings).toMatchObject({
        persistTranscriptsEnabled: true,
        contextFromStore: true,
        chatContextLimit: 20,
        classifierContextLimit: 10,
        chatSystemPrompt: DEFAULT_CHAT_SYSTEM_PROMPT,
        classifierMinConfidence: 0.6
      })
      expect(Duration.toMillis(settings.chatIdleTimeout)).toBe(10_000)
      expect(Duration.toMinutes(settings.interactionIdleTimeout)).toBe(30)
      expect(warnings).toEqual([])
    })
  )

  it.effect("clamps context limits and logs each adjustment as a warning", () =>
    Effect.gen(function* () {
      const { settings, warnings } = yield* settingsFrom({
        CHAT_CONTEXT_LIMIT: "500",
        CLASSIFIER_CONTEXT_LIMIT: "ten"
      })
      expect(settings.chatContextLimit).toBe(200)
      expect(settings.classifierContextLimit).toBe(10)
      expect(warnings).toEqual([
        'CHAT_CONTEXT_LIMIT="500" clamped; using 200',
        'CLASSIFIER_CONTEXT_LIMIT="ten" is not an integer; using 10'
      ])
    })
  )

  it.effect("accepts the seed's CHAT_CONTEXT_FROM_CONVEX as an alias of CHAT_CONTEXT_FROM_DB", () =>
    Effect.gen(function* () {
      expect((yield* settingsFrom({ CHAT_CONTEXT_FROM_CONVEX: "0" })).settings.contextFromStore).toBe(false)
      expect((yield* settingsFrom({ CHAT_CONTEXT_FROM_DB: "false" })).settings.contextFromStore).toBe(false)
      expect(
        (yield* settingsFrom({ CHAT_CONTEXT_FROM_DB: "true", CHAT_CONTEXT_FROM_CONVEX: "false" })).settings
          .contextFromStore
      ).toBe(true)
    })
  )
})
