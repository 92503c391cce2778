import type { MutationCtx, QueryCtx } from "./_generated/server.js"

/** Tombstones removed per retention batch. */
const DELETE_BATCH = 500

const tombstoneRow = (ctx: QueryCtx, sessionId: string) =>
  ctx.db
    .query("sessionTombstones")
    .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
    .unique()

/** When the session was last deleted, if it was: read inside the writing mutation's transaction. */
export const deletedAt = async (ctx: QueryCtx, sessionId: string) =>
  (await tombstoneRow(ctx, sessionId))?.deletedAt

/** Records the session's deletion at `now`; a session deleted twice keeps its latest deletion. */
export const recordDeletion = async (ctx: MutationCtx, sessionId: string, now: number) => {
  const row = await tombstoneRow(ctx, sessionId)
  if (row === null) await ctx.db.insert("sessionTombstones", { sessionId, deletedAt: now })
  else if (row.deletedAt < now) await ctx.db.patch(row._id, { deletedAt: now })
}

/** Retention: one batch of the tombstones of deletions before the cutoff; answers whether more remain. */
export const deleteTombstonesBefore = async (ctx: MutationCtx, cutoff: number) => {
  const batch = await ctx.db
    .query("sessionTombstones")
    .withIndex("by_deleted_at", (q) => q.lt("deletedAt", cutoff))
    .take(DELETE_BATCH)
  await Promise.all(batch.map((row) => ctx.db.delete(row._id)))
  return batch.length === DELETE_BATCH
}
