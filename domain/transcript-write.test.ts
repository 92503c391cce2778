import { describe, expect, it } from "@effect/vitest"
import { planAppend, planFinishReply } from "./transcript-write.ts"

const stored = { sessionId: "s", contentHash: "h", ts: 10, seq: 4, status: "completed" }
const incoming = { sessionId: "s", contentHash: "h", ts: 99, role: "assistant" }

describe("planAppend", () => {
  it("inserts a new messageId at the session's next sequence", () => {
    expect(planAppend(incoming, undefined, 7)).toEqual({ _tag: "Insert", item: { ...incoming, seq: 7 } })
  })

  it("answers a repeat with the stored item: a duplicate, or a conflict with its reason", () => {
    expect(planAppend(incoming, stored, 7)).toEqual({ _tag: "Duplicate", existing: stored })
    expect(planAppend({ ...incoming, contentHash: "other" }, stored, 7)).toEqual({
      _tag: "Conflict",
      existing: stored
    })
  })
})

describe("planFinishReply", () => {
  const started = { ...stored, status: "in_progress" }

  it("replaces the session's in-progress reply, keeping its ts and seq", () => {
    const final = { ...incoming, contentHash: "final", status: "completed" }
    expect(planFinishReply(final, started, 7)).toEqual({
      _tag: "Replace",
      item: { ...final, ts: 10, seq: 4 }
    })
  })

  it("appends when there is no in-progress reply under that messageId", () => {
    expect(planFinishReply(incoming, undefined, 7)).toEqual({ _tag: "Insert", item: { ...incoming, seq: 7 } })
    expect(planFinishReply(incoming, stored, 7)).toEqual({ _tag: "Duplicate", existing: stored })
    expect(planFinishReply({ ...incoming, contentHash: "other" }, stored, 7)).toEqual({
      _tag: "Conflict",
      existing: stored
    })
  })

  it("refuses a reply begun at or before its session's deletion whose row is gone", () => {
    expect(planFinishReply(incoming, undefined, 7, 99)).toEqual({ _tag: "Deleted" })
    expect(planFinishReply(incoming, undefined, 7, 98)).toEqual({
      _tag: "Insert",
      item: { ...incoming, seq: 7 }
    })
    const final = { ...incoming, status: "completed" }
    expect(planFinishReply(final, { ...stored, status: "in_progress" }, 7, 99)._tag).toBe("Replace")
  })
})

describe("a deleted session's tombstone", () => {
  it("refuses a reply's in-progress row begun before the deletion, never a user's message", () => {
    const row = { ...incoming, status: "in_progress" }
    expect(planAppend(row, undefined, 7, 100)).toEqual({ _tag: "Deleted" })
    expect(planAppend({ ...incoming, role: "user" }, undefined, 7, 100)._tag).toBe("Insert")
    expect(planAppend(row, undefined, 7, 50)._tag).toBe("Insert")
  })
})
