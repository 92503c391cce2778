import { v } from "convex/values"
import { mutation, query } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"

export const getUser = query({
  args: { ...serverSecret, userId: v.string() },
  handler: async (ctx, { secret, userId }) => {
    requireServer(secret)
    const row = await ctx.db
      .query("userPrivacy")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .unique()
    return row?.optOut ?? null
  }
})

export const setUser = mutation({
  args: { ...serverSecret, userId: v.string(), optOut: v.boolean() },
  handler: async (ctx, { secret, userId, optOut }) => {
    requireServer(secret)
    const row = await ctx.db
      .query("userPrivacy")
      .withIndex("by_user", (q) => q.eq("userId", userId))
      .unique()
    if (row === null) await ctx.db.insert("userPrivacy", { userId, optOut, updatedAt: Date.now() })
    else await ctx.db.patch(row._id, { optOut, updatedAt: Date.now() })
  }
})

export const getSession = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const row = await ctx.db
      .query("sessionPrivacy")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .unique()
    return row?.optOut ?? null
  }
})

export const setSession = mutation({
  args: { ...serverSecret, sessionId: v.string(), optOut: v.boolean() },
  handler: async (ctx, { secret, sessionId, optOut }) => {
    requireServer(secret)
    const row = await ctx.db
      .query("sessionPrivacy")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .unique()
    if (row === null) await ctx.db.insert("sessionPrivacy", { sessionId, optOut, updatedAt: Date.now() })
    else await ctx.db.patch(row._id, { optOut, updatedAt: Date.now() })
  }
})
