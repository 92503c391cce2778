import { describe, expect, it } from "vitest"
import {
  emptySummary,
  firstTitle,
  summaryAfterAppend,
  summaryAfterRemoval,
  titleOf
} from "./session-summary.ts"

describe("a session's title", () => {
  it("is the text on one line, trimmed; none for blank text", () => {
    expect(titleOf("  Plan\n\tmy   week  ")).toBe("Plan my week")
    expect(titleOf(" \n\t ")).toBeUndefined()
  })

  it("keeps 80 characters whole and cuts a longer text to 80 with an ellipsis, never inside a character", () => {
    expect(titleOf("a".repeat(80))).toBe("a".repeat(80))
    const cut = titleOf("🙂".repeat(100))!
    expect(Array.from(cut)).toHaveLength(80)
    expect(cut).toBe(`${"🙂".repeat(79)}…`)
  })

  it("comes from the first user message that gives one", () => {
    const messages = [
      { role: "assistant", text: "Welcome", ts: 1 },
      { role: "user", text: "  ", ts: 2 },
      { role: "user", text: "Help me prepare", ts: 3 }
    ]
    expect(firstTitle(messages)).toBe("Help me prepare")
    expect(messages.reduce(summaryAfterAppend, emptySummary(5))).toEqual({
      messageCount: 3,
      lastActivityAt: 5,
      title: "Help me prepare"
    })
  })

  it("goes with the messages it came from; the last activity stays", () => {
    const summary = { messageCount: 3, lastActivityAt: 9, title: "Old" }
    expect(summaryAfterRemoval(summary, 3, undefined)).toEqual({ messageCount: 0, lastActivityAt: 9 })
    expect(summaryAfterRemoval(summary, 1, "Next")).toEqual({
      messageCount: 2,
      lastActivityAt: 9,
      title: "Next"
    })
  })
})
