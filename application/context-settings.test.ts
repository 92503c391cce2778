import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger } from "effect"
import * as Tokenizer from "../adapters/llm/tokenizer.ts"
import { ContextSettings, DEFAULT_CHAT_SYSTEM_PROMPT } from "./context-settings.ts"

/** The settings from `env`, and the warnings logged while they were read. */
const settingsFrom = (env: Record<string, string>) =>
  Effect.gen(function* () {
    const warnings: Array<string> = []
    const settings = yield* ContextSettings.pipe(
      Effect.provide(
        ContextSettings.layerConfig.pipe(
          Layer.provide(Tokenizer.layer({ chat: "gpt-4o-mini", classifier: "gpt-4" })),
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

describe("context settings", () => {
  it.effect("has a default for everything", () =>
    Effect.gen(function* () {
      const { settings, warnings } = yield* settingsFrom({})
      expect(settings).toMatchObject({
        fromStore: true,
        chat: { limit: 20, systemPrompt: DEFAULT_CHAT_SYSTEM_PROMPT, maxTokens: 16_000 },
        classifier: { limit: 10, maxTokens: 4_000 }
      })
      // Each model's tokenizer, by its name: gpt-4o's family and gpt-4 count differently.
      expect(settings.chat.tokenizer.encoding).toBe("o200k_base")
      expect(settings.classifier.tokenizer.encoding).toBe("cl100k_base")
      expect(settings.chat.systemPromptTokens).toBe(settings.chat.tokenizer.count(DEFAULT_CHAT_SYSTEM_PROMPT))
      expect(settings.chat.systemPromptTokens).toBeGreaterThan(40)
      expect(warnings).toEqual([])
    })
  )

  it.effect("clamps context limits and logs each adjustment as a warning", () =>
    Effect.gen(function* () {
      const { settings, warnings } = yield* settingsFrom({
        CHAT_CONTEXT_LIMIT: "500",
        CLASSIFIER_CONTEXT_LIMIT: "ten"
      })
      expect(settings.chat.limit).toBe(200)
      expect(settings.classifier.limit).toBe(10)
      expect(warnings).toEqual([
        'CHAT_CONTEXT_LIMIT="500" clamped; using 200',
        'CLASSIFIER_CONTEXT_LIMIT="ten" is not an integer; using 10'
      ])
    })
  )

  it.effect("accepts the seed's CHAT_CONTEXT_FROM_CONVEX as an alias of CHAT_CONTEXT_FROM_DB", () =>
    Effect.gen(function* () {
      expect((yield* settingsFrom({ CHAT_CONTEXT_FROM_CONVEX: "0" })).settings.fromStore).toBe(false)
      expect((yield* settingsFrom({ CHAT_CONTEXT_FROM_DB: "false" })).settings.fromStore).toBe(false)
      expect(
        (yield* settingsFrom({ CHAT_CONTEXT_FROM_DB: "true", CHAT_CONTEXT_FROM_CONVEX: "false" })).settings
          .fromStore
      ).toBe(true)
    })
  )

  it.effect("refuses a token budget the system prompt leaves too little of, naming the variable", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        settingsFrom({ CHAT_SYSTEM_PROMPT: "word ".repeat(100), CHAT_CONTEXT_MAX_TOKENS: "150" })
      )
      expect(String(error)).toMatch(
        /CHAT_CONTEXT_MAX_TOKENS=150 leaves too little for messages: the system prompt takes \d+ tokens \(o200k_base\); give at least \d+/
      )
    })
  )
})
