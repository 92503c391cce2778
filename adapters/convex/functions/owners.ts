import { v } from "convex/values"
import { ownerAfterWrite } from "../../../domain/session-ownership.ts"
import { emptySummary, summaryAfterUnstored } from "../../../domain/session-summary.ts"
import { mutation, type QueryCtx, query } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"

export const ownerRow = (ctx: QueryCtx, sessionId: string) =>
  ctx.db
    .query("sessionOwners")
    .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
    .unique()

/** The session's owner, or null when nobody has written to it. */
export const ownerOf = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    return (await ownerRow(ctx, sessionId))?.owner ?? null
  }
})

/** Records the writer as the owner unless the session has one, in one serializable transaction. */
export const claim = mutation({
  args: { ...serverSecret, sessionId: v.string(), writer: v.string() },
  handler: async (ctx, { secret, sessionId, writer }) => {
    requireServer(secret)
    const row = await ownerRow(ctx, sessionId)
    if (row === null) {
      const now = Date.now()
      await ctx.db.insert("sessionOwners", { sessionId, owner: writer, claimedAt: now, ...emptySummary(now) })
    }
    return ownerAfterWrite(row?.owner, writer)
  }
})

/** Counts a message kept only in a process's memory in the session's summary (no text). */
export const countUnstored = mutation({
  args: { ...serverSecret, sessionId: v.string(), ts: v.number() },
  handler: async (ctx, { secret, sessionId, ts }) => {
    requireServer(secret)
    const row = await ownerRow(ctx, sessionId)
    if (row === null) return
    const { messageCount, lastActivityAt } = summaryAfterUnstored(row, ts)
    await ctx.db.patch(row._id, { messageCount, lastActivityAt })
  }
})

/** The messages the session has had, stored or counted; 0 when nobody wrote to it. */
export const messageCountOf = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    return (await ownerRow(ctx, sessionId))?.messageCount ?? 0
  }
})

/**
 * Up to `limit` of the owner's sessions through the (owner, lastActivityAt, sessionId) index,
 * newest activity first, strictly after `after`; the caller fetches one extra to tell if more follow.
 */
export const sessionsOf = query({
  args: {
    ...serverSecret,
    owner: v.string(),
    limit: v.number(),
    after: v.optional(v.object({ lastActivityAt: v.number(), sessionId: v.string() }))
  },
  handler: async (ctx, { secret, owner, limit, after }) => {
    requireServer(secret)
    const rows = ctx.db.query("sessionOwners")
    const sameActivity =
      after === undefined
        ? []
        : await rows
            .withIndex("by_owner_activity", (q) =>
              q.eq("owner", owner).eq("lastActivityAt", after.lastActivityAt).lt("sessionId", after.sessionId)
            )
            .order("desc")
            .take(limit)
    const earlier =
      sameActivity.length >= limit
        ? []
        : await ctx.db
            .query("sessionOwners")
            .withIndex("by_owner_activity", (q) =>
              after === undefined
                ? q.eq("owner", owner)
                : q.eq("owner", owner).lt("lastActivityAt", after.lastActivityAt)
            )
            .order("desc")
            .take(limit - sameActivity.length)
    return [...sameActivity, ...earlier].map((row) => ({
      sessionId: row.sessionId,
      createdAt: row.claimedAt,
      lastActivityAt: row.lastActivityAt,
      messageCount: row.messageCount,
      title: row.title ?? null
    }))
  }
})

/** Forgets the session's owner and summary. */
export const release = mutation({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const row = await ownerRow(ctx, sessionId)
    if (row !== null) await ctx.db.delete(row._id)
  }
})
