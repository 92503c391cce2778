import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { Tokenizers } from "../../application/ports/tokenizer.ts"
import {
  fitToBudget,
  MESSAGE_FRAMING_TOKENS,
  type TokenMeasure,
  TRUNCATION_MARKER
} from "../../domain/context-window.ts"
import { encodingFor, layer } from "./tokenizer.ts"

const tokenizers = await Effect.runPromise(
  Effect.provide(Tokenizers, layer({ chat: "gpt-4o-mini", classifier: "gpt-4o-mini" })).pipe(Effect.scoped)
)
const tokenizer = tokenizers.chat
const measure: TokenMeasure = {
  count: (message) => tokenizer.count(message.text, message.contentHash),
  truncate: tokenizer.truncate
}

describe("tokenizer (gpt-tokenizer)", () => {
  it("chooses the encoding by model name, o200k_base for names it does not know", () => {
    expect(encodingFor("gpt-4o-mini")).toBe("o200k_base")
    expect(encodingFor("gpt-4")).toBe("cl100k_base")
    expect(encodingFor("gpt-3.5-turbo")).toBe("cl100k_base")
    expect(encodingFor("llama3.1:8b")).toBe("o200k_base")
    expect(encodingFor("offline-coach-1")).toBe("o200k_base")
  })

  it("counts real tokens, remembers a count by its key, and cuts to a number of tokens", () => {
    expect(tokenizer.count("Hello, coach!")).toBe(4)
    expect(tokenizer.count("Hello, coach!", "hash-1")).toBe(4)
    // A remembered count is answered by its key: the text is not read again.
    expect(tokenizer.count("different text entirely", "hash-1")).toBe(4)
    expect(tokenizer.truncate("one two three four five", 2)).toBe("one two")
  })
})

/** Transcripts of words, punctuation, emoji and CJK: texts whose token counts differ from their lengths. */
const text = fc
  .array(fc.constantFrom("practise", "raise", " ", ", ", "I'd", "landlord", "🙂", "日本語", "\n", "ok"), {
    maxLength: 600,
    size: "large"
  })
  .map((parts) => parts.join(""))

describe("fitToBudget with the real tokenizer (property)", () => {
  it("never exceeds the budget, keeps transcript order, and always ends with the newest message", () => {
    let truncations = 0
    fc.assert(
      fc.property(
        fc.array(text, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 300 }),
        // Tight budgets (the newest message is cut) as often as roomy ones.
        fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3000 })),
        (texts, systemPromptTokens, spare) => {
          const messages = texts.map((text, index) => ({ index, text }))
          const minimum =
            systemPromptTokens + MESSAGE_FRAMING_TOKENS + tokenizer.count(TRUNCATION_MARKER) + 64
          const maxTokens = minimum + spare
          const fit = fitToBudget(messages, systemPromptTokens, maxTokens, measure)
          if (fit.truncated) truncations++

          const counted =
            systemPromptTokens +
            fit.messages.reduce(
              (sum, message) => sum + MESSAGE_FRAMING_TOKENS + tokenizer.count(message.text),
              0
            )
          expect(fit.tokens).toBe(counted)
          expect(fit.tokens).toBeLessThanOrEqual(maxTokens)

          const newest = fit.messages.at(-1)!
          expect(newest.index).toBe(messages.length - 1)
          if (fit.truncated) {
            expect(fit.messages).toHaveLength(1)
            expect(newest.text.endsWith(TRUNCATION_MARKER)).toBe(true)
          } else expect(newest.text).toBe(messages.at(-1)!.text)

          // A contiguous tail in transcript order, and as long as the budget allows.
          const first = fit.messages[0]!.index
          expect(fit.messages.map((message) => message.index)).toEqual(
            messages.slice(first).map((message) => message.index)
          )
          if (first > 0 && !fit.truncated) {
            const older = MESSAGE_FRAMING_TOKENS + tokenizer.count(messages[first - 1]!.text)
            expect(fit.tokens + older).toBeGreaterThan(maxTokens)
          }
        }
      ),
      { numRuns: 200, seed: 20261202 }
    )
    // The generated transcripts reach the cut as well as the plain tail.
    expect(truncations).toBeGreaterThan(10)
    expect(truncations).toBeLessThan(190)
  })
})
