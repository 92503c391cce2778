import { describe, expect, it } from "@effect/vitest"
import { planAppend, planFinishReply } from "./transcript-write.ts"

const stored = { sessionId: "s", contentHash: "h", ts: 10, seq: 4, status: "completed" }
const incoming = { sessionId: "s", contentHash: "h", ts: 99 }

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
})
