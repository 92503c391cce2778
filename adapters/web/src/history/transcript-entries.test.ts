import { describe, expect, it } from "vitest"
import type { InteractionGroup, Message } from "../api-types.ts"
import { transcriptEntries } from "./transcript-entries.ts"

/** Message n: odd ones from the user, even ones the coach's reply; sent at 10·n. */
const message = (n: number): Message => ({
  messageId: `m${n}`,
  sessionId: "s",
  role: n % 2 ? "user" : "assistant",
  text: `text ${n}`,
  ts: 10 * n,
  seq: n
})
const messages = (count: number) => Array.from({ length: count }, (_, i) => message(i + 1))

const group = (
  groupId: string,
  openedAt: number,
  closed: { at: number; reason: "ended" | "restarted" | "idle" } | null
): InteractionGroup => ({
  groupId,
  status: closed === null ? "open" : "closed",
  openedAt,
  closedAt: closed?.at ?? null,
  closeReason: closed?.reason ?? null,
  messages: 2,
  assessmentRequested: closed !== null
})

const shape = (entries: ReturnType<typeof transcriptEntries>) =>
  entries.map((entry) =>
    entry.kind === "message" ? entry.message.messageId : `${entry.kind}:${entry.group.groupId}`
  )

describe("transcript entries", () => {
  it("opens a group before the message that started it and closes it after the reply to the one that ended it", () => {
    // Classified a moment after m3 (start) and m7 (end), while their replies were streaming.
    const entries = transcriptEntries(messages(10), [group("g1", 31, { at: 71, reason: "ended" })])
    expect(shape(entries)).toEqual([
      "m1",
      "m2",
      "opened:g1",
      "m3",
      "m4",
      "m5",
      "m6",
      "m7",
      "m8",
      "closed:g1",
      "m9",
      "m10"
    ])
  })

  it("closes a group replaced by a new start just before that start, and leaves an open group open", () => {
    const entries = transcriptEntries(messages(6), [
      group("g1", 11, { at: 51, reason: "restarted" }),
      group("g2", 51, null)
    ])
    expect(shape(entries)).toEqual([
      "opened:g1",
      "m1",
      "m2",
      "m3",
      "m4",
      "closed:g1",
      "opened:g2",
      "m5",
      "m6"
    ])
  })

  it("closes an idle group after the last turn before it went quiet, even at the end of the transcript", () => {
    const entries = transcriptEntries(messages(4), [group("g1", 31, { at: 10_000, reason: "idle" })])
    expect(shape(entries)).toEqual(["m1", "m2", "opened:g1", "m3", "m4", "closed:g1"])
  })
})
