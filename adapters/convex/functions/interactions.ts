import { v } from "convex/values"
import {
  checksOrder,
  groupsNamedBy,
  isRefusal,
  planInteractionCommit,
  type PredecessorRow
} from "../../../domain/interaction-commit.ts"
import type { Doc } from "./_generated/dataModel.js"
import { mutation, type MutationCtx, query, type QueryCtx } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"
import { withoutSystemFields } from "./documents.ts"
import { jobRow } from "./assessments.ts"
import { decision } from "./schema.ts"
import { deletedAt, recordDeletion } from "./tombstones.ts"

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

const classificationRow = (ctx: QueryCtx, sessionId: string, messageId: string) =>
  ctx.db
    .query("messageClassifications")
    .withIndex("by_session_message", (q) => q.eq("sessionId", sessionId).eq("messageId", messageId))
    .unique()

const groupRow = (ctx: MutationCtx, groupId: string) =>
  ctx.db
    .query("interactionGroups")
    .withIndex("by_group_id", (q) => q.eq("groupId", groupId))
    .unique()

/** The session's last user message before `messageId` in `seq` order, when the transcript holds it. */
const predecessorOf = async (
  ctx: QueryCtx,
  sessionId: string,
  messageId: string
): Promise<PredecessorRow | undefined> => {
  const message = await ctx.db
    .query("interactions")
    .withIndex("by_session_message", (q) => q.eq("sessionId", sessionId).eq("messageId", messageId))
    .unique()
  if (message === null) return undefined
  const previous = await ctx.db
    .query("interactions")
    .withIndex("by_session_seq", (q) => q.eq("sessionId", sessionId).lt("seq", message.seq))
    .order("desc")
    .filter((q) => q.eq(q.field("role"), "user"))
    .first()
  if (previous === null) return undefined
  return {
    messageId: previous.messageId,
    acceptedAt: previous.createdAt,
    classified: (await classificationRow(ctx, sessionId, previous.messageId)) !== null
  }
}

export const classificationOf = query({
  args: { ...serverSecret, sessionId: v.string(), messageId: v.string() },
  handler: async (ctx, { secret, sessionId, messageId }) => {
    requireServer(secret)
    const row = await classificationRow(ctx, sessionId, messageId)
    return row === null ? null : withoutSystemFields(row)
  }
})

export const interaction = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const row = await sessionRow(ctx, sessionId)
    return { version: row?.version ?? 0, state: row?.open === undefined ? {} : { open: row.open } }
  }
})

/**
 * One transition, atomically, as the commit plan says: refused when the session moved on, the
 * message is classified, the message before it is not, or the session was deleted since the
 * commit's work began.
 */
export const commit = mutation({
  args: {
    ...serverSecret,
    sessionId: v.string(),
    expectedVersion: v.number(),
    state: v.object({ open: v.optional(openGroup) }),
    classification: v.optional(classification),
    effects: v.array(effect),
    at: v.number(),
    requestId: v.optional(v.string()),
    begunAt: v.optional(v.number()),
    skipsPredecessor: v.optional(v.boolean())
  },
  handler: async (ctx, { secret, ...commit }) => {
    requireServer(secret)
    const named = groupsNamedBy(commit)
    const session = await sessionRow(ctx, commit.sessionId)
    const groups = (await Promise.all(named.map((groupId) => groupRow(ctx, groupId)))).filter(
      (group) => group !== null
    )
    const jobs = (await Promise.all(named.map((groupId) => jobRow(ctx, groupId)))).filter(
      (job) => job !== null
    )
    const writes = planInteractionCommit(commit, {
      version: session?.version ?? 0,
      classified:
        commit.classification !== undefined &&
        (await classificationRow(ctx, commit.sessionId, commit.classification.messageId)) !== null,
      groups: groups.map((group) => group.groupId),
      queued: jobs.map((job) => job.groupId),
      deletedAt: await deletedAt(ctx, commit.sessionId),
      predecessor:
        commit.classification === undefined || !checksOrder(commit)
          ? undefined
          : await predecessorOf(ctx, commit.sessionId, commit.classification.messageId)
    })
    if (isRefusal(writes)) return writes
    const { open, ...rest } = writes.session
    const state = {
      ...rest,
      ...(open === undefined ? {} : { open, openLastActivityAt: open.lastActivityAt })
    }
    if (session === null) await ctx.db.insert("sessionInteractions", state)
    else await ctx.db.replace(session._id, state)
    if (writes.classification !== undefined)
      await ctx.db.insert("messageClassifications", writes.classification)
    for (const group of writes.insertGroups) await ctx.db.insert("interactionGroups", group)
    for (const { groupId, changes } of writes.updateGroups) {
      const group = groups.find((stored) => stored.groupId === groupId)
      if (group !== undefined) await ctx.db.patch(group._id, changes)
    }
    for (const job of writes.queueJobs)
      await ctx.db.insert("assessmentJobs", {
        ...job,
        status: "pending",
        attempts: 0,
        updatedAt: job.queuedAt,
        dueAt: job.queuedAt
      })
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

/**
 * Retention: deletes a batch each of the classifications made, the groups closed and the jobs queued
 * before the cutoff; the caller repeats while `more`.
 */
export const deleteOlderThanBatch = mutation({
  args: { ...serverSecret, cutoff: v.number() },
  handler: async (ctx, { secret, cutoff }) => {
    requireServer(secret)
    const batches = await Promise.all([
      ctx.db
        .query("messageClassifications")
        .withIndex("by_at", (q) => q.lt("at", cutoff))
        .take(DELETE_BATCH),
      // Open groups have no closedAt: the lower bound leaves them out.
      ctx.db
        .query("interactionGroups")
        .withIndex("by_closed_at", (q) => q.gte("closedAt", 0).lt("closedAt", cutoff))
        .take(DELETE_BATCH),
      ctx.db
        .query("assessmentJobs")
        .withIndex("by_queued_at", (q) => q.lt("queuedAt", cutoff))
        .take(DELETE_BATCH)
    ])
    const rows = batches.flat()
    await Promise.all(rows.map((row) => ctx.db.delete(row._id)))
    return { deleted: rows.length, more: batches.some((batch) => batch.length === DELETE_BATCH) }
  }
})

/**
 * Deletes a session's interactions, a batch at a time, and records its deletion at `now` (its
 * tombstone); the caller repeats while `more`.
 */
export const deleteSessionBatch = mutation({
  args: { ...serverSecret, sessionId: v.string(), now: v.number() },
  handler: async (ctx, { secret, sessionId, now }) => {
    requireServer(secret)
    await recordDeletion(ctx, sessionId, now)
    const classifications = await ctx.db
      .query("messageClassifications")
      .withIndex("by_session_message", (q) => q.eq("sessionId", sessionId))
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
