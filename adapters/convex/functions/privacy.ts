import { v } from "convex/values"
import type { Id } from "./_generated/dataModel.js"
import { mutation, type MutationCtx, query, type QueryCtx } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"

const userRow = (ctx: QueryCtx, userId: string) =>
  ctx.db
    .query("userPrivacy")
    .withIndex("by_user", (q) => q.eq("userId", userId))
    .unique()

const sessionRow = (ctx: QueryCtx, sessionId: string) =>
  ctx.db
    .query("sessionPrivacy")
    .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
    .unique()

/** Deletes the row, if there is one; answers how many went (0 or 1). */
const deleteRow = async (ctx: MutationCtx, row: { _id: Id<"userPrivacy" | "sessionPrivacy"> } | null) => {
  if (row === null) return 0
  await ctx.db.delete(row._id)
  return 1
}

export const getUser = query({
  args: { ...serverSecret, userId: v.string() },
  handler: async (ctx, { secret, userId }) => {
    requireServer(secret)
    return (await userRow(ctx, userId))?.optOut ?? null
  }
})

export const setUser = mutation({
  args: { ...serverSecret, userId: v.string(), optOut: v.boolean() },
  handler: async (ctx, { secret, userId, optOut }) => {
    requireServer(secret)
    const row = await userRow(ctx, userId)
    if (row === null) await ctx.db.insert("userPrivacy", { userId, optOut, updatedAt: Date.now() })
    else await ctx.db.patch(row._id, { optOut, updatedAt: Date.now() })
  }
})

export const getSession = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    return (await sessionRow(ctx, sessionId))?.optOut ?? null
  }
})

export const setSession = mutation({
  args: { ...serverSecret, sessionId: v.string(), optOut: v.boolean() },
  handler: async (ctx, { secret, sessionId, optOut }) => {
    requireServer(secret)
    const row = await sessionRow(ctx, sessionId)
    if (row === null) await ctx.db.insert("sessionPrivacy", { sessionId, optOut, updatedAt: Date.now() })
    else await ctx.db.patch(row._id, { optOut, updatedAt: Date.now() })
  }
})

/** The user's setting and the session's override, read in one query. */
export const getOptOuts = query({
  args: { ...serverSecret, userId: v.string(), sessionId: v.string() },
  handler: async (ctx, { secret, userId, sessionId }) => {
    requireServer(secret)
    const [user, session] = await Promise.all([userRow(ctx, userId), sessionRow(ctx, sessionId)])
    return { user: user?.optOut ?? null, session: session?.optOut ?? null }
  }
})

/** Deletes the user's own setting; answers how many rows went (0 or 1). */
export const deleteUser = mutation({
  args: { ...serverSecret, userId: v.string() },
  handler: async (ctx, { secret, userId }) => {
    requireServer(secret)
    return deleteRow(ctx, await userRow(ctx, userId))
  }
})

/** Deletes the session's override; answers how many rows went (0 or 1). */
export const deleteSession = mutation({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    return deleteRow(ctx, await sessionRow(ctx, sessionId))
  }
})
