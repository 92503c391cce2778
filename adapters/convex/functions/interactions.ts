import { v } from "convex/values"
import type { Doc } from "./_generated/dataModel.js"
import { mutation, type MutationCtx, query, type QueryCtx } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"
import { jobRow } from "./assessments.ts"
import { decision } from "./schema.ts"

const DELETE_BATCH = 500

const classification = v.object({
  messageId: v.string(),
  sessionId: v.string(),
  decision,
  applied: decision,
  confidence: v.number(),
  groupId: v.optional(v.string()),
  at: v.number()
})

const openGroup = v.object({
  groupId: v.string(),
  openedAt: v.number(),
  lastActivityAt: v.number(),
  messages: v.number()
})

const effect = v.union(
  v.object({ _tag: v.literal("Opened"), groupId: v.string() }),
  v.object({
    _tag: v.literal("Closed"),
    groupId: v.string(),
    reason: v.union(v.literal("ended"), v.literal("restarted"), v.literal("idle")),
    messages: v.number()
  }),
  v.object({ _tag: v.literal("AssessmentRequested"), groupId: v.string() })
)

const sessionRow = (ctx: QueryCtx, sessionId: string) =>
  ctx.db
    .query("sessionInteractions")
    .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
    .unique()

const classificationRow = (ctx: QueryCtx, messageId: string) =>
  ctx.db
    .query("messageClassifications")
    .withIndex("by_message_id", (q) => q.eq("messageId", messageId))
    .unique()

const groupRow = (ctx: MutationCtx, groupId: string) =>
  ctx.db
    .query("interactionGroups")
    .withIndex("by_group_id", (q) => q.eq("groupId", groupId))
    .unique()

const withoutSystemFields = <T extends { _id: unknown; _creationTime: number }>({
  _id: _,
  _creationTime: __,
  ...rest
}: T) => rest

/** Queues a closed group's assessment, once: a second request for the group changes nothing. */
const queueAssessment = async (
  ctx: MutationCtx,
  group: Doc<"interactionGroups">,
  at: number,
  requestId: string | undefined
) => {
  if ((await jobRow(ctx, group.groupId)) !== null) return
  await ctx.db.insert("assessmentJobs", {
    groupId: group.groupId,
    sessionId: group.sessionId,
    status: "pending",
    attempts: 0,
    queuedAt: at,
    updatedAt: at,
    dueAt: at,
    ...(requestId === undefined ? {} : { requestId })
  })
}

export const classificationOf = query({
  args: { ...serverSecret, messageId: v.string() },
  handler: async (ctx, { secret, messageId }) => {
    requireServer(secret)
    const row = await classificationRow(ctx, messageId)
    return row === null ? null : withoutSystemFields(row)
  }
})

export const interaction = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const row = await sessionRow(ctx, sessionId)
    return { version: row?.version ?? 0, open: row?.open ?? null }
  }
})

/** One transition, atomically: refused when the session moved on or the message is classified. */
export const commit = mutation({
  args: {
    ...serverSecret,
    sessionId: v.string(),
    expectedVersion: v.number(),
    open: v.optional(openGroup),
    classification: v.optional(classification),
    effects: v.array(effect),
    at: v.number(),
    requestId: v.optional(v.string())
  },
  handler: async (ctx, args) => {
    requireServer(args.secret)
    if (
      args.classification !== undefined &&
      (await classificationRow(ctx, args.classification.messageId)) !== null
    ) {
      return "duplicate" as const
    }
    const session = await sessionRow(ctx, args.sessionId)
    if ((session?.version ?? 0) !== args.expectedVersion) return "stale" as const
    const state = {
      version: args.expectedVersion + 1,
      ...(args.open === undefined ? {} : { open: args.open, openLastActivityAt: args.open.lastActivityAt })
    }
    if (session === null) await ctx.db.insert("sessionInteractions", { sessionId: args.sessionId, ...state })
    else await ctx.db.replace(session._id, { sessionId: args.sessionId, ...state })
    if (args.classification !== undefined) await ctx.db.insert("messageClassifications", args.classification)
    for (const change of args.effects) {
      const group = change._tag === "Opened" ? null : await groupRow(ctx, change.groupId)
      if (change._tag === "Opened") {
        await ctx.db.insert("interactionGroups", {
          groupId: change.groupId,
          sessionId: args.sessionId,
          status: "open",
          openedAt: args.at,
          messages: 1,
          assessmentRequested: false
        })
      } else if (group !== null && change._tag === "Closed") {
        await ctx.db.patch(group._id, {
          status: "closed",
          closedAt: args.at,
          closeReason: change.reason,
          messages: change.messages
        })
      } else if (group !== null) {
        await ctx.db.patch(group._id, { assessmentRequested: true })
        await queueAssessment(ctx, group, args.at, args.requestId)
      }
    }
    if (args.open !== undefined) {
      const group = await groupRow(ctx, args.open.groupId)
      if (group !== null) await ctx.db.patch(group._id, { messages: args.open.messages })
    }
    return "committed" as const
  }
})

export const groups = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const rows = await ctx.db
      .query("interactionGroups")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .collect()
    return rows.map((row: Doc<"interactionGroups">) => withoutSystemFields(row))
  }
})

/** The user messages classified into a group, oldest first. */
export const groupMessages = query({
  args: { ...serverSecret, groupId: v.string() },
  handler: async (ctx, { secret, groupId }) => {
    requireServer(secret)
    const rows = await ctx.db
      .query("messageClassifications")
      .withIndex("by_group", (q) => q.eq("groupId", groupId))
      .collect()
    return rows.map((row) => row.messageId)
  }
})

/** Sessions whose open group has been idle since before `before`; at most 100 per call. */
export const idleSessions = query({
  args: { ...serverSecret, before: v.number() },
  handler: async (ctx, { secret, before }) => {
    requireServer(secret)
    const rows = await ctx.db
      .query("sessionInteractions")
      .withIndex("by_open_activity", (q) => q.gte("openLastActivityAt", 0).lt("openLastActivityAt", before))
      .take(100)
    return rows.map((row) => row.sessionId)
  }
})

/** Deletes a session's interactions, a batch at a time; the caller repeats while `more`. */
export const deleteSessionBatch = mutation({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const classifications = await ctx.db
      .query("messageClassifications")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .take(DELETE_BATCH)
    const groupRows = await ctx.db
      .query("interactionGroups")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .take(DELETE_BATCH)
    const jobs = await ctx.db
      .query("assessmentJobs")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .take(DELETE_BATCH)
    await Promise.all([...classifications, ...groupRows, ...jobs].map((row) => ctx.db.delete(row._id)))
    const more =
      classifications.length === DELETE_BATCH ||
      groupRows.length === DELETE_BATCH ||
      jobs.length === DELETE_BATCH
    if (!more) {
      const session = await sessionRow(ctx, sessionId)
      if (session !== null) await ctx.db.delete(session._id)
    }
    return { deleted: classifications.length + groupRows.length + jobs.length, more }
  }
})
