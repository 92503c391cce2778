import { describe, expect, it } from "vitest"
import type { InteractionGroup, Message } from "../api-types.ts"
import { scenarioTitles } from "./scenario-titles.ts"

const message = (messageId: string, role: "user" | "assistant", text: string, ts: number): Message => ({
  messageId,
  sessionId: "s-1",
  role,
  text,
  ts,
  seq: ts
})

const group = (groupId: string, openedAt: number): InteractionGroup => ({
  groupId,
  status: "closed",
  openedAt,
  closedAt: openedAt + 50,
  closeReason: "ended",
  messages: 2,
  assessmentRequested: true
})

describe("scenarioTitles", () => {
  it("titles each role play by the user message that opened it", () => {
    const messages = [
      message("u1", "user", "Hello coach", 100),
      message("a1", "assistant", "Hello!", 110),
      message("u2", "user", "Can we role play\n  asking my manager for a raise?", 200),
      message("a2", "assistant", "Sure, I am your manager.", 210),
      message("u3", "user", "Now let us practise a hard feedback talk", 300)
    ]
    // A group opens when its message is classified: just after the message was sent.
    const titles = scenarioTitles(messages, [group("g-raise", 205), group("g-feedback", 301)])
    expect([...titles]).toEqual([
      ["g-raise", "Can we role play asking my manager for a raise?"],
      ["g-feedback", "Now let us practise a hard feedback talk"]
    ])
  })

  it("leaves untitled a role play whose opening message is not stored", () => {
    expect(scenarioTitles([], [group("g-private", 500)]).size).toBe(0)
  })
})
