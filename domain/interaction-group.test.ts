import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import type { BoundaryDecision } from "./boundary.ts"
import { GroupId } from "./ids.ts"
import { expireIdle, noInteraction, type SessionInteraction, transition } from "./interaction-group.ts"

const G_OPEN = GroupId.make("g-open")
const G_NEW = GroupId.make("g-new")
const openState: SessionInteraction = {
  open: Option.some({ groupId: G_OPEN, openedAt: 0, lastActivityAt: 10, messages: 2 })
}

const step = (state: SessionInteraction, decision: BoundaryDecision, confidence = 0.9) =>
  transition(state, {
    classification: { decision, confidence },
    at: 100,
    newGroupId: G_NEW,
    minConfidence: 0.6
  })

const tags = (effects: ReadonlyArray<{ _tag: string; groupId: string }>) =>
  effects.map((e) => `${e._tag}:${e.groupId}`)

describe("interaction-group transition", () => {
  it.each([
    // decision, state, expected group of the message, open group after, effects
    ["start", "none", "g-new", "g-new", ["Opened:g-new"]],
    ["start", "open", "g-new", "g-new", ["Closed:g-open", "AssessmentRequested:g-open", "Opened:g-new"]],
    ["continue", "open", "g-open", "g-open", []],
    ["continue", "none", "g-new", "g-new", ["Opened:g-new"]],
    ["end", "open", "g-open", null, ["Closed:g-open", "AssessmentRequested:g-open"]],
    ["end", "none", null, null, []],
    ["one_off", "none", "g-new", null, ["Opened:g-new", "Closed:g-new", "AssessmentRequested:g-new"]],
    ["one_off", "open", "g-new", "g-open", ["Opened:g-new", "Closed:g-new", "AssessmentRequested:g-new"]],
    ["ignore", "open", null, "g-open", []],
    ["ignore", "none", null, null, []]
  ] as const)("%s with %s group: message in %s, open after %s", (decision, from, group, after, effects) => {
    const result = step(from === "open" ? openState : noInteraction, decision)
    expect(Option.getOrNull(result.groupId)).toBe(group)
    expect(Option.getOrNull(Option.map(result.state.open, (open) => open.groupId))).toBe(after)
    expect(tags(result.effects)).toEqual(effects)
  })

  it("counts messages and activity in the open group", () => {
    const result = step(openState, "continue")
    expect(Option.getOrThrow(result.state.open)).toMatchObject({
      messages: 3,
      lastActivityAt: 100,
      openedAt: 0
    })
  })

  it("does not act on a boundary below the confidence floor", () => {
    expect(step(openState, "end", 0.3)).toMatchObject({ applied: "continue", effects: [] })
    expect(Option.isSome(step(openState, "end", 0.3).state.open)).toBe(true)
    expect(step(noInteraction, "start", 0.59)).toMatchObject({ applied: "ignore", effects: [] })
    expect(step(noInteraction, "one_off", 0.6).applied).toBe("one_off")
    expect(step(openState, "ignore", 0)).toMatchObject({ applied: "ignore", effects: [] })
  })
})

describe("expireIdle", () => {
  it("closes and assesses an open group idle past the timeout, and only then", () => {
    expect(expireIdle(openState, 10 + 999, 1_000).effects).toEqual([])
    const expired = expireIdle(openState, 10 + 1_000, 1_000)
    expect(tags(expired.effects)).toEqual(["Closed:g-open", "AssessmentRequested:g-open"])
    expect(expired.effects[0]).toMatchObject({ reason: "idle", messages: 2 })
    expect(Option.isNone(expired.state.open)).toBe(true)
    expect(expireIdle(noInteraction, 1e9, 1).effects).toEqual([])
  })
})
