import { describe, expect, it } from "@effect/vitest"
import { clampContextLimit, LimitWarning, selectContextWindow } from "./context-window.ts"

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
