import { v } from "convex/values"
import {
  type SessionSummaryFields,
  summaryAfterAppend,
  summaryAfterDeletion,
  summaryAfterRemoval,
  titleFrom
} from "../../../domain/session-summary.ts"
import { isFinishedReply } from "../../../domain/transcript.ts"
import { planAppend, planFinishReply } from "../../../domain/transcript-write.ts"
import type { Doc } from "./_generated/dataModel.js"
import { mutation, type MutationCtx, query } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"
import { withoutSystemFields } from "./documents.ts"
import { ownerRow } from "./owners.ts"
import { deletedAt, deleteTombstonesBefore, recordDeletion } from "./tombstones.ts"

/** Deletions per mutation: well inside a Convex transaction's write limits. */
const DELETE_BATCH = 500
/** Abandoned replies finished per mutation. */
const FINISH_BATCH = 100

const item = v.object({
  sessionId: v.string(),
  messageId: v.string(),
  role: v.union(v.literal("user"), v.literal("assistant")),
  text: v.string(),
  contentHash: v.string(),
  ts: v.number(),
  groupId: v.optional(v.string()),
  audioUrl: v.optional(v.string()),
  status: v.optional(v.union(v.literal("in_progress"), v.literal("completed"), v.literal("incomplete")))
})
type NewItem = typeof item.type

type StoredItem = Omit<Doc<"interactions">, "_id" | "_creationTime" | "leaseUntil">

/** A message as the service reads it: no system fields, and no lease (a store-side detail). */
const storedItem = (message: Doc<"interactions">): StoredItem => {
  const { leaseUntil: _, ...item } = withoutSystemFields(message)
  return item
}

/** The message stored under this id in the session, or null. */
const messageById = (ctx: MutationCtx, sessionId: string, messageId: string) =>
  ctx.db
    .query("interactions")
    .withIndex("by_session_message", (q) => q.eq("sessionId", sessionId).eq("messageId", messageId))
    .unique()

/** Rewrites the session's summary on its owner row as `change` says; a session with no owner has none. */
const summarize = async (
  ctx: MutationCtx,
  sessionId: string,
  change: (summary: SessionSummaryFields) => Promise<SessionSummaryFields> | SessionSummaryFields
) => {
  const row = await ownerRow(ctx, sessionId)
  if (row === null) return
  const { messageCount, lastActivityAt, title } = await change(row)
  await ctx.db.patch(row._id, { messageCount, lastActivityAt, title })
}

/** The title of the session's first message (in transcript order) that gives one. */
const firstTitle = async (ctx: MutationCtx, sessionId: string) => {
  const messages = ctx.db.query("interactions").withIndex("by_session", (q) => q.eq("sessionId", sessionId))
  for await (const message of messages) {
    const title = titleFrom(message)
    if (title !== undefined) return title
  }
  return undefined
}

/** After `removed` of the session's messages were deleted: fewer counted, the title from what is left. */
const summarizeRemoval = (ctx: MutationCtx, sessionId: string, removed: number) =>
  summarize(ctx, sessionId, async (summary) =>
    summaryAfterRemoval(summary, removed, await firstTitle(ctx, sessionId))
  )

/**
 * Writes an append or a finished reply as `plan` says, inside the caller's transaction: the
 * idempotency rule, and the per-session sequence bumped with each insert. A new message is
 * accepted at `now`; a finished reply keeps the time its in-progress item was. Answers the plan.
 */
const write = async (
  ctx: MutationCtx,
  incoming: NewItem,
  now: number,
  plan: typeof planAppend<StoredItem, NewItem>
) => {
  const existing = await messageById(ctx, incoming.sessionId, incoming.messageId)
  const session = await ctx.db
    .query("sessions")
    .withIndex("by_session", (q) => q.eq("sessionId", incoming.sessionId))
    .unique()
  const planned = plan(
    incoming,
    existing === null ? undefined : storedItem(existing),
    session?.nextSeq ?? 1,
    await deletedAt(ctx, incoming.sessionId)
  )
  if (planned._tag === "Replace" && existing !== null)
    await ctx.db.replace(existing._id, { ...planned.item, createdAt: existing.createdAt })
  if (planned._tag === "Insert") {
    const nextSeq = planned.item.seq + 1
    if (session === null) await ctx.db.insert("sessions", { sessionId: incoming.sessionId, nextSeq })
    else await ctx.db.patch(session._id, { nextSeq })
    await ctx.db.insert("interactions", { ...planned.item, createdAt: now })
    await summarize(ctx, incoming.sessionId, (summary) => summaryAfterAppend(summary, planned.item))
  }
  return planned
}

/** Idempotent on messageId; the sequence is assigned in the same serializable transaction. */
export const append = mutation({
  args: { ...serverSecret, item, now: v.number() },
  handler: async (ctx, { secret, item, now }) => {
    requireServer(secret)
    return write(ctx, item, now, planAppend)
  }
})

/** Completes an in-progress reply in place, or appends the reply when there is none. */
export const finishReply = mutation({
  args: { ...serverSecret, item, now: v.number() },
  handler: async (ctx, { secret, item, now }) => {
    requireServer(secret)
    return write(ctx, item, now, planFinishReply)
  }
})

/** Saves a reply's text so far and renews its lease, only while it is in progress; answers whether it did. */
export const saveReplyText = mutation({
  args: {
    ...serverSecret,
    sessionId: v.string(),
    messageId: v.string(),
    text: v.string(),
    contentHash: v.string(),
    leaseUntil: v.number()
  },
  handler: async (ctx, { secret, sessionId, messageId, text, contentHash, leaseUntil }) => {
    requireServer(secret)
    const reply = await messageById(ctx, sessionId, messageId)
    if (reply?.status !== "in_progress") return false
    await ctx.db.patch(reply._id, { text, contentHash, leaseUntil })
    return true
  }
})

/** Marks a finished reply of the session as replaced; answers whether the session holds one by this id. */
export const markReplaced = mutation({
  args: { ...serverSecret, sessionId: v.string(), messageId: v.string() },
  handler: async (ctx, { secret, sessionId, messageId }) => {
    requireServer(secret)
    const reply = await messageById(ctx, sessionId, messageId)
    if (reply === null || !isFinishedReply(reply)) return false
    await ctx.db.patch(reply._id, { replaced: true })
    return true
  }
})

/**
 * Finishes up to one batch of abandoned replies (`incomplete`, their text kept); one never leased
 * and not abandoned gets a lease until `unleasedUntil`. The caller repeats while `more`.
 */
export const finishAbandonedRepliesBatch = mutation({
  args: { ...serverSecret, leaseEndedBefore: v.number(), unleasedUntil: v.number() },
  handler: async (ctx, { secret, leaseEndedBefore, unleasedUntil }) => {
    requireServer(secret)
    // A missing lease sorts before every number: the replies never leased come first.
    const batch = await ctx.db
      .query("interactions")
      .withIndex("by_status_lease", (q) => q.eq("status", "in_progress").lt("leaseUntil", leaseEndedBefore))
      .take(FINISH_BATCH)
    let finished = 0
    for (const reply of batch) {
      if ((reply.leaseUntil ?? unleasedUntil) < leaseEndedBefore) {
        await ctx.db.patch(reply._id, { status: "incomplete", leaseUntil: undefined })
        finished++
      } else await ctx.db.patch(reply._id, { leaseUntil: unleasedUntil })
    }
    return { finished, more: batch.length === FINISH_BATCH }
  }
})

/** A stored message and its lease, as a follower of the reply reads it. */
const storedReply = (message: Doc<"interactions"> | null) =>
  message === null ? null : { item: storedItem(message), leaseUntil: message.leaseUntil ?? null }

/** The session's newest assistant message and its lease: a reply in flight is `in_progress`. */
export const latestReply = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const newest = await ctx.db
      .query("interactions")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .order("desc")
      .filter((q) => q.eq(q.field("role"), "assistant"))
      .first()
    return storedReply(newest)
  }
})

/**
 * One reply of a session and its lease, or null once deleted: what a process that does not write the
 * reply subscribes to while it follows it.
 */
export const reply = query({
  args: { ...serverSecret, sessionId: v.string(), messageId: v.string() },
  handler: async (ctx, { secret, sessionId, messageId }) => {
    requireServer(secret)
    const message = await ctx.db
      .query("interactions")
      .withIndex("by_session_message", (q) => q.eq("sessionId", sessionId).eq("messageId", messageId))
      .unique()
    return storedReply(message)
  }
})

/** The last `limit` messages of a session through the (sessionId, ts, seq) index, oldest first. */
export const lastN = query({
  args: { ...serverSecret, sessionId: v.string(), limit: v.number() },
  handler: async (ctx, { secret, sessionId, limit }) => {
    requireServer(secret)
    const newest = await ctx.db
      .query("interactions")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .order("desc")
      .take(limit)
    return newest.reverse().map(storedItem)
  }
})

/** One page in (ts, seq) order, strictly after `after`; fetches one extra row to tell if more follow. */
export const page = query({
  args: {
    ...serverSecret,
    sessionId: v.string(),
    order: v.union(v.literal("asc"), v.literal("desc")),
    limit: v.number(),
    after: v.optional(v.object({ ts: v.number(), seq: v.number() }))
  },
  handler: async (ctx, { secret, sessionId, order, limit, after }) => {
    requireServer(secret)
    const messages = ctx.db.query("interactions")
    const wanted = limit + 1
    if (after === undefined) {
      const rows = await messages
        .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
        .order(order)
        .take(wanted)
      return rows.map(storedItem)
    }
    // (ts, seq) beyond `after`: the rest of its timestamp, then the timestamps beyond it.
    const sameTs = await messages
      .withIndex("by_session", (q) => {
        const at = q.eq("sessionId", sessionId).eq("ts", after.ts)
        return order === "asc" ? at.gt("seq", after.seq) : at.lt("seq", after.seq)
      })
      .order(order)
      .take(wanted)
    const beyond =
      sameTs.length >= wanted
        ? []
        : await ctx.db
            .query("interactions")
            .withIndex("by_session", (q) => {
              const session = q.eq("sessionId", sessionId)
              return order === "asc" ? session.gt("ts", after.ts) : session.lt("ts", after.ts)
            })
            .order(order)
            .take(wanted - sameTs.length)
    return [...sameTs, ...beyond].map(storedItem)
  }
})

/**
 * Deletes up to one batch of a session's messages, and records its deletion at `now` (its
 * tombstone); the caller repeats while `more`.
 */
export const deleteSessionBatch = mutation({
  args: { ...serverSecret, sessionId: v.string(), now: v.number() },
  handler: async (ctx, { secret, sessionId, now }) => {
    requireServer(secret)
    await recordDeletion(ctx, sessionId, now)
    const batch = await ctx.db
      .query("interactions")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .take(DELETE_BATCH)
    await Promise.all(batch.map((message) => ctx.db.delete(message._id)))
    const more = batch.length === DELETE_BATCH
    if (more) await summarizeRemoval(ctx, sessionId, batch.length)
    else {
      await summarize(ctx, sessionId, summaryAfterDeletion)
      const session = await ctx.db
        .query("sessions")
        .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
        .unique()
      if (session !== null) await ctx.db.delete(session._id)
    }
    return { deleted: batch.length, more }
  }
})

/**
 * Deletes up to one batch of messages accepted before the cutoff, and the tombstones of deletions
 * before it; the caller repeats while `more`.
 */
export const deleteOlderThanBatch = mutation({
  args: { ...serverSecret, cutoff: v.number() },
  handler: async (ctx, { secret, cutoff }) => {
    requireServer(secret)
    const moreTombstones = await deleteTombstonesBefore(ctx, cutoff)
    const batch = await ctx.db
      .query("interactions")
      .withIndex("by_created_at", (q) => q.lt("createdAt", cutoff))
      .take(DELETE_BATCH)
    await Promise.all(batch.map((message) => ctx.db.delete(message._id)))
    const removed = new Map<string, number>()
    for (const { sessionId } of batch) removed.set(sessionId, (removed.get(sessionId) ?? 0) + 1)
    for (const [sessionId, count] of removed) await summarizeRemoval(ctx, sessionId, count)
    return { deleted: batch.length, more: moreTombstones || batch.length === DELETE_BATCH }
  }
})

export const ping = query({
  args: serverSecret,
  handler: async (_, { secret }) => {
    requireServer(secret)
    return "ok"
  }
})
