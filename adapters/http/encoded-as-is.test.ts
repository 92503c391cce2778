import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import type { TranscriptItem } from "../../domain/transcript.ts"
import { toMessageView } from "./message-view.ts"
import { ContextResponse, MessagesPage } from "./schemas.ts"

const sessionId = SessionId.make("session-1")
/** Stored items with every optional field, and with none. */
const items: ReadonlyArray<TranscriptItem> = [
  {
    sessionId,
    messageId: MessageId.make("m1"),
    role: "user",
    text: "How do I ask for a raise?",
    contentHash: "hash-1",
    ts: 1_000,
    seq: 1,
    groupId: GroupId.make("g1"),
    audioUrl: "https://example.com/a.ogg"
  },
  {
    sessionId,
    messageId: MessageId.make("m2"),
    role: "assistant",
    text: "Start with what you have done.",
    contentHash: "hash-2",
    ts: 1_001,
    seq: 2,
    status: "completed",
    replaced: true
  },
  {
    sessionId,
    messageId: MessageId.make("m3"),
    role: "user",
    text: "Thanks",
    contentHash: "hash-3",
    ts: 1_002,
    seq: 3
  }
]

/** The body the platform would send: the schema's encoding of the view, as JSON. */
const encodedBy = <A, I>(schema: Schema.Schema<A, I>, view: A) =>
  JSON.stringify(Schema.encodeSync(schema)(view))

describe("read views answered as they are: the same bytes as the platform's encoding", () => {
  it("are the messages page's encoding already", () => {
    const view = { sessionId, order: "desc" as const, items: items.map(toMessageView), nextCursor: "c1" }
    expect(JSON.stringify(view)).toBe(encodedBy(MessagesPage, view))
  })

  it("are the context window's encoding already", () => {
    const view = {
      sessionId,
      for: "chat" as const,
      limit: 20,
      systemPrompt: "You are a coach.",
      source: "store" as const,
      reason: "store" as const,
      contextUnavailable: false,
      messages: items.map(toMessageView)
    }
    expect(JSON.stringify(view)).toBe(encodedBy(ContextResponse, view))
  })
})
