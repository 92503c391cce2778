import { describe, expect, it } from "@effect/vitest"
import {
  clampContextLimit,
  fitToBudget,
  LimitWarning,
  MESSAGE_FRAMING_TOKENS,
  selectContextWindow,
  speaksInContext,
  type TokenMeasure,
  TRUNCATION_MARKER
} from "./context-window.ts"

describe("clampContextLimit", () => {
  it.each([
    { raw: "0", limit: 1, warning: LimitWarning.Clamped({ raw: "0", used: 1 }) },
    { raw: "1", limit: 1, warning: undefined },
    { raw: "200", limit: 200, warning: undefined },
    { raw: "201", limit: 200, warning: LimitWarning.Clamped({ raw: "201", used: 200 }) },
    { raw: "-5", limit: 1, warning: LimitWarning.Clamped({ raw: "-5", used: 1 }) },
    { raw: "abc", limit: 20, warning: LimitWarning.Unparsable({ raw: "abc", used: 20 }) },
    { raw: "", limit: 20, warning: LimitWarning.Unparsable({ raw: "", used: 20 }) },
    { raw: "12.5", limit: 20, warning: LimitWarning.Unparsable({ raw: "12.5", used: 20 }) },
    { raw: " 7 ", limit: 7, warning: undefined }
  ])("reads $raw as $limit", ({ raw, limit, warning }) => {
    expect(clampContextLimit(raw, 20)).toEqual(warning === undefined ? { limit } : { limit, warning })
  })

  it("takes the default without a warning when unset", () => {
    expect(clampContextLimit(undefined, 10)).toEqual({ limit: 10 })
  })
})

describe("speaksInContext", () => {
  it.each([
    { message: {}, speaks: true },
    { message: { status: "completed" as const }, speaks: true },
    { message: { status: "incomplete" as const }, speaks: true },
    { message: { status: "in_progress" as const }, speaks: false },
    { message: { status: "completed" as const, replaced: true }, speaks: false },
    { message: { status: "incomplete" as const, replaced: true }, speaks: false },
    { message: { status: "completed" as const, replaced: false }, speaks: true }
  ])("$message speaks: $speaks", ({ message, speaks }) => {
    expect(speaksInContext(message)).toBe(speaks)
  })
})

describe("selectContextWindow", () => {
  const item = (seq: number, ts: number, groupId?: string) => ({ seq, ts, ...(groupId ? { groupId } : {}) })

  it("takes the last N in (ts, seq) order", () => {
    const items = [item(1, 10), item(2, 30), item(3, 20), item(4, 40)]
    expect(selectContextWindow(items, 2).map((i) => i.seq)).toEqual([2, 4])
  })

  it("keeps arrival order for equal timestamps", () => {
    const items = [item(3, 5), item(1, 5), item(2, 5)]
    expect(selectContextWindow(items, 3).map((i) => i.seq)).toEqual([1, 2, 3])
  })

  it("spans interaction groups: groupId never filters the window", () => {
    const items = [item(1, 1, "g1"), item(2, 2), item(3, 3, "g2"), item(4, 4, "g1")]
    expect(selectContextWindow(items, 3).map((i) => i.seq)).toEqual([2, 3, 4])
  })

  it("returns everything when the session is shorter than the limit", () => {
    expect(selectContextWindow([item(1, 1)], 20)).toHaveLength(1)
    expect(selectContextWindow([], 20)).toEqual([])
  })
})

describe("fitToBudget", () => {
  /** One token per word: easy to reason about here; the real tokenizer runs in its adapter's tests. */
  const words: TokenMeasure = {
    count: ({ text }) => text.split(" ").filter((word) => word !== "").length,
    truncate: (text, maxTokens) => text.split(" ").slice(0, maxTokens).join(" ")
  }
  const said = (...texts: Array<string>) => texts.map((text, index) => ({ id: index, text }))
  const cost = (text: string) => MESSAGE_FRAMING_TOKENS + words.count({ text })

  it("keeps everything that fits, and counts the system prompt and each message's framing", () => {
    const fit = fitToBudget(said("one two", "three"), 10, 100, words)
    expect(fit).toEqual({
      messages: said("one two", "three"),
      tokens: 10 + cost("one two") + cost("three"),
      truncated: false
    })
  })

  it("drops the oldest messages first, keeping a contiguous tail that ends with the newest", () => {
    const messages = said("a b c d e f", "g h", "i j k", "l")
    const fit = fitToBudget(messages, 5, 5 + cost("l") + cost("i j k") + cost("g h") - 1, words)
    expect(fit.messages).toEqual(messages.slice(2))
    expect(fit.truncated).toBe(false)
  })

  it("cuts a newest message that alone exceeds the budget, marking the cut, and keeps nothing older", () => {
    const newest = Array.from({ length: 50 }, (_, i) => `w${i}`).join(" ")
    const fit = fitToBudget(said("earlier", newest), 10, 40, words)
    expect(fit.truncated).toBe(true)
    expect(fit.messages).toHaveLength(1)
    expect(fit.messages[0]!.text).toMatch(/^w0 w1 w2 .* \[… cut to fit the context budget\]$/)
    expect(fit.messages[0]!.text.endsWith(TRUNCATION_MARKER)).toBe(true)
    expect(fit.tokens).toBeLessThanOrEqual(40)
  })

  it("answers an empty window for no messages", () => {
    expect(fitToBudget([], 7, 100, words)).toEqual({ messages: [], tokens: 7, truncated: false })
  })
})
