import { defineSchema, defineTable } from "convex/server"
import { v } from "convex/values"

export const decision = v.union(
  v.literal("start"),
  v.literal("continue"),
  v.literal("end"),
  v.literal("one_off"),
  v.literal("ignore")
)

export const assessmentResult = v.object({
  rubricVersion: v.string(),
  assessor: v.string(),
  heuristic: v.boolean(),
  latencyMs: v.number(),
  scores: v.array(
    v.object({ criterion: v.string(), label: v.string(), score: v.number(), justification: v.string() })
  ),
  summary: v.string(),
  nextStep: v.string()
})

/** The Convex deployment's tables: the production store of transcripts and privacy settings. */
export default defineSchema({
  /**
   * The transcript, named and shaped as the sprint's Convex collection (`interactions`: sessionId,
   * groupId?, messageId, role, contentHash, text, audioUrl?, ts, createdAt; indexes `by_session`
   * and `by_group`), plus what the service needs beside it: the per-session arrival `seq` that
   * orders equal timestamps, and a reply's status and lease. See
   * docs/decisions/2026-12-02-convex-interactions-table.md.
   */
  interactions: defineTable({
    sessionId: v.string(),
    /** The caller's label, metadata only: never selects a context window. */
    groupId: v.optional(v.string()),
    messageId: v.string(),
    role: v.union(v.literal("user"), v.literal("assistant")),
    contentHash: v.string(),
    text: v.string(),
    audioUrl: v.optional(v.string()),
    ts: v.number(),
    /** The service's clock when it first wrote the message: what retention goes by, never `ts`. */
    createdAt: v.number(),
    seq: v.number(),
    status: v.optional(v.union(v.literal("in_progress"), v.literal("completed"), v.literal("incomplete"))),
    /** A finished reply the user regenerated: kept, and left out of context windows. */
    replaced: v.optional(v.boolean()),
    /** A reply in progress: its writer holds it until then, renewing it with each save of its text. */
    leaseUntil: v.optional(v.number())
  })
    .index("by_session", ["sessionId", "ts", "seq"])
    .index("by_group", ["groupId", "ts", "seq"])
    .index("by_session_message", ["sessionId", "messageId"])
    /** Arrival order: a classification waits for the session's previous user message. */
    .index("by_session_seq", ["sessionId", "seq"])
    .index("by_created_at", ["createdAt"])
    .index("by_status_lease", ["status", "leaseUntil"]),
  /** Per-session arrival counter, bumped in the same transaction as each append. */
  sessions: defineTable({ sessionId: v.string(), nextSeq: v.number() }).index("by_session", ["sessionId"]),
  /** A session's interaction state; `openLastActivityAt` mirrors the open group's for the idle index. */
  sessionInteractions: defineTable({
    sessionId: v.string(),
    version: v.number(),
    open: v.optional(
      v.object({
        groupId: v.string(),
        openedAt: v.number(),
        lastActivityAt: v.number(),
        messages: v.number()
      })
    ),
    openLastActivityAt: v.optional(v.number())
  })
    .index("by_session", ["sessionId"])
    .index("by_open_activity", ["openLastActivityAt"]),
  messageClassifications: defineTable({
    messageId: v.string(),
    sessionId: v.string(),
    decision: decision,
    applied: decision,
    confidence: v.number(),
    groupId: v.optional(v.string()),
    at: v.number()
  })
    .index("by_session_message", ["sessionId", "messageId"])
    .index("by_group", ["groupId", "at"])
    .index("by_at", ["at"]),
  interactionGroups: defineTable({
    groupId: v.string(),
    sessionId: v.string(),
    status: v.union(v.literal("open"), v.literal("closed")),
    openedAt: v.number(),
    closedAt: v.optional(v.number()),
    closeReason: v.optional(v.union(v.literal("ended"), v.literal("restarted"), v.literal("idle"))),
    messages: v.number(),
    assessmentRequested: v.boolean()
  })
    .index("by_group_id", ["groupId"])
    .index("by_session", ["sessionId", "openedAt"])
    .index("by_closed_at", ["closedAt"]),
  /**
   * One assessment job per group, inserted by the interaction commit that asked for it. Ids, times
   * and results only: never message text. `dueAt` is the retry time while pending and the lease's
   * end while running, so one index finds every job a worker may claim.
   */
  assessmentJobs: defineTable({
    groupId: v.string(),
    sessionId: v.string(),
    status: v.union(v.literal("pending"), v.literal("running"), v.literal("completed"), v.literal("failed")),
    attempts: v.number(),
    queuedAt: v.number(),
    updatedAt: v.number(),
    dueAt: v.optional(v.number()),
    worker: v.optional(v.string()),
    requestId: v.optional(v.string()),
    failureReason: v.optional(v.string()),
    resultLocation: v.optional(v.union(v.literal("store"), v.literal("memory"))),
    result: v.optional(assessmentResult)
  })
    .index("by_group", ["groupId"])
    .index("by_session", ["sessionId", "queuedAt"])
    .index("by_due", ["dueAt"])
    .index("by_status", ["status"])
    .index("by_queued_at", ["queuedAt"]),
  userPrivacy: defineTable({ userId: v.string(), optOut: v.boolean(), updatedAt: v.number() }).index(
    "by_user",
    ["userId"]
  ),
  sessionPrivacy: defineTable({ sessionId: v.string(), optOut: v.boolean(), updatedAt: v.number() }).index(
    "by_session",
    ["sessionId"]
  ),
  /**
   * The user who first wrote to each session, kept when the session's data is deleted and gone when
   * the owner deletes all their data; with the session's summary (domain/session-summary.ts), which
   * each transcript write updates, so the owner's list reads no messages.
   */
  sessionOwners: defineTable({
    sessionId: v.string(),
    owner: v.string(),
    claimedAt: v.number(),
    lastActivityAt: v.number(),
    messageCount: v.number(),
    title: v.optional(v.string())
  })
    .index("by_session", ["sessionId"])
    .index("by_owner_activity", ["owner", "lastActivityAt", "sessionId"]),
  /** A deleted session's tombstone: work begun before the deletion writes nothing back. */
  sessionTombstones: defineTable({ sessionId: v.string(), deletedAt: v.number() })
    .index("by_session", ["sessionId"])
    .index("by_deleted_at", ["deletedAt"])
})
