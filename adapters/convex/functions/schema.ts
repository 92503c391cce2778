import { defineSchema, defineTable } from "convex/server"
import { v } from "convex/values"

/** The Convex deployment's tables: the production store of transcripts and privacy settings. */
export default defineSchema({
  messages: defineTable({
    sessionId: v.string(),
    messageId: v.string(),
    seq: v.number(),
    ts: v.number(),
    role: v.union(v.literal("user"), v.literal("assistant")),
    text: v.string(),
    contentHash: v.string(),
    groupId: v.optional(v.string()),
    audioUrl: v.optional(v.string()),
    status: v.optional(v.union(v.literal("in_progress"), v.literal("completed"), v.literal("incomplete")))
  })
    .index("by_session_ts_seq", ["sessionId", "ts", "seq"])
    .index("by_message_id", ["messageId"])
    .index("by_ts", ["ts"]),
  /** Per-session arrival counter, bumped in the same transaction as each append. */
  sessions: defineTable({ sessionId: v.string(), nextSeq: v.number() }).index("by_session", ["sessionId"]),
  userPrivacy: defineTable({ userId: v.string(), optOut: v.boolean(), updatedAt: v.number() }).index(
    "by_user",
    ["userId"]
  ),
  sessionPrivacy: defineTable({ sessionId: v.string(), optOut: v.boolean(), updatedAt: v.number() }).index(
    "by_session",
    ["sessionId"]
  )
})
