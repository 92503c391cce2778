import { v } from "convex/values"
import { ownerAfterWrite } from "../../../domain/session-ownership.ts"
import { mutation, type QueryCtx, query } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"

const ownerRow = (ctx: QueryCtx, sessionId: string) =>
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
    if (row === null)
      await ctx.db.insert("sessionOwners", { sessionId, owner: writer, claimedAt: Date.now() })
    return ownerAfterWrite(row?.owner, writer)
  }
})
