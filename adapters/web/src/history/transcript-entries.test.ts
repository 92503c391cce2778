import { describe, expect, it } from "vitest"
import type { InteractionGroup, Message } from "../api-types.ts"
import { transcriptEntries } from "./transcript-entries.ts"

const message = (n: number, ts: number): Message => ({
  messageId: `m${n}`,
  sessionId: "s",
  role: n % 2 ? "user" : "assistant",
  text: `text ${n}`,
  ts,
  seq: n
})

const group = (groupId: string, openedAt: number, closedAt: number | null): InteractionGroup => ({
  groupId,
  status: closedAt === null ? "open" : "closed",
  openedAt,
  closedAt,
  closeReason: closedAt === null ? null : "ended",
  messages: 2,
  assessmentRequested: closedAt !== null
})

const shape = (entries: ReturnType<typeof transcriptEntries>) =>
  entries.map((entry) =>
    entry.kind === "message" ? entry.message.messageId : `${entry.kind}:${entry.group.groupId}`
  )

describe("transcript entries", () => {
  it("marks a group's start before the message that opened it and its end after the one that closed it", () => {
    const messages = [
      message(1, 10),
      message(2, 11),
      message(3, 20),
      message(4, 21),
      message(5, 30),
      message(6, 31)
    ]
    expect(shape(transcriptEntries(messages, [group("g1", 20, 30)]))).toEqual([
      "m1",
      "m2",
      "opened:g1",
      "m3",
      "m4",
      "m5",
      "closed:g1",
      "m6"
    ])
  })

  it("leaves a group that is still open unclosed, and closes one that ended after the last stored message", () => {
    const messages = [message(1, 10), message(2, 11)]
    expect(shape(transcriptEntries(messages, [group("g1", 1, 12), group("g2", 11, null)]))).toEqual([
      "opened:g1",
      "m1",
      "opened:g2",
      "m2",
      "closed:g1"
    ])
  })
})
