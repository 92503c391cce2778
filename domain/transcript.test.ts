import { describe, expect, it } from "@effect/vitest"
import { Either, Option, Schema } from "effect"
import { MessageId, SessionId } from "./ids.ts"
import { compareRepeat } from "./repeat.ts"
import { contentOf, insertInTranscriptOrder, MessageText, pageOf, sortTranscript } from "./transcript.ts"

describe("ids", () => {
  const valid = Schema.is(SessionId)
  it.each(["s1", "session-2026.11:a_b", "A".repeat(128)])("accepts %s", (id) => expect(valid(id)).toBe(true))
  it.each(["", " s", "-lead", "a/b", "a b", "é", "A".repeat(129)])("rejects %j", (id) =>
    expect(valid(id)).toBe(false)
  )

  it("names the field in its message", () => {
    const result = Schema.decodeUnknownEither(MessageId)("")
    expect(Either.isLeft(result) && result.left.message).toContain("messageId must not be empty")
  })
})

describe("MessageText", () => {
  const valid = Schema.is(MessageText)
  it("rejects blank and oversized text", () => {
    expect(valid("   ")).toBe(false)
    expect(valid("x".repeat(32_001))).toBe(false)
    expect(valid("hello")).toBe(true)
  })
})

describe("transcript order", () => {
  it("sorts by ts, then by arrival sequence", () => {
    const sorted = sortTranscript([
      { ts: 2, seq: 1 },
      { ts: 1, seq: 3 },
      { ts: 1, seq: 2 }
    ])
    expect(sorted).toEqual([
      { ts: 1, seq: 2 },
      { ts: 1, seq: 3 },
      { ts: 2, seq: 1 }
    ])
  })

  it("puts a new item in its place, leaving the items given as they were", () => {
    const items = [
      { ts: 1, seq: 1 },
      { ts: 3, seq: 2 },
      { ts: 3, seq: 4 }
    ]
    expect(insertInTranscriptOrder(items, { ts: 4, seq: 5 })).toEqual([...items, { ts: 4, seq: 5 }])
    expect(insertInTranscriptOrder(items, { ts: 3, seq: 3 })).toEqual([
      { ts: 1, seq: 1 },
      { ts: 3, seq: 2 },
      { ts: 3, seq: 3 },
      { ts: 3, seq: 4 }
    ])
    expect(insertInTranscriptOrder(items, { ts: 0, seq: 6 })[0]).toEqual({ ts: 0, seq: 6 })
    expect(insertInTranscriptOrder([], { ts: 1, seq: 1 })).toEqual([{ ts: 1, seq: 1 }])
    expect(items).toHaveLength(3)
  })

  it("agrees with sorting, whatever the order items arrive in", () => {
    const arrivals = [5, 1, 4, 1, 3, 9, 2, 6, 5, 3].map((ts, index) => ({ ts, seq: index + 1 }))
    const inserted = arrivals.reduce<Array<{ ts: number; seq: number }>>(insertInTranscriptOrder, [])
    expect(inserted).toEqual(sortTranscript(arrivals))
  })
})

describe("compareRepeat", () => {
  const stored = { contentHash: "h1" }
  it("tells a duplicate from a conflict", () => {
    expect(compareRepeat(stored, { ...stored })).toBe("duplicate")
    expect(compareRepeat(stored, { contentHash: "h2" })).toBe("different_content")
  })

  it("hashes role, text and audio, not timestamps or groups", () => {
    expect(contentOf({ role: "user", text: "hi" })).toBe(
      contentOf({ role: "user", text: "hi", audioUrl: undefined })
    )
    expect(contentOf({ role: "user", text: "hi" })).not.toBe(contentOf({ role: "assistant", text: "hi" }))
  })
})

describe("pageOf", () => {
  const rows = [1, 2, 3].map((seq) => ({ ts: 100, seq }))

  it("keeps `limit` rows and starts the next page after the last kept when one more was fetched", () => {
    expect(pageOf(rows, 2)).toEqual({ items: rows.slice(0, 2), next: Option.some({ ts: 100, seq: 2 }) })
  })

  it("ends when no more than `limit` came back", () => {
    expect(pageOf(rows, 3)).toEqual({ items: rows, next: Option.none() })
    expect(pageOf([], 3)).toEqual({ items: [], next: Option.none() })
  })
})
