import { v } from "convex/values"
import { mutation, type MutationCtx, query, type QueryCtx } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"
import { withoutSystemFields } from "./documents.ts"
import { assessmentResult } from "./schema.ts"

/** Jobs looked at per claim: enough to step over the few whose lease ran out at their last attempt. */
const CLAIM_SCAN = 20
/** Depth is counted up to here; past it the gauge reads this cap. */
const DEPTH_CAP = 10_000

/** The group's assessment job, or null; `interactions.ts` uses it too when it queues one. */
export const jobRow = (ctx: QueryCtx, groupId: string) =>
  ctx.db
    .query("assessmentJobs")
    .withIndex("by_group", (q) => q.eq("groupId", groupId))
    .unique()

/** The job as the given attempt holds it, or null when it was reclaimed, finished or deleted. */
const held = async (ctx: MutationCtx, groupId: string, attempt: number) => {
  const job = await jobRow(ctx, groupId)
  return job !== null && job.status === "running" && job.attempts === attempt ? job : null
}

/** The oldest due job, now running for `worker`; a serializable mutation, so no job is held twice. */
export const claim = mutation({
  args: {
    ...serverSecret,
    worker: v.string(),
    now: v.number(),
    leaseMillis: v.number(),
    maxAttempts: v.number()
  },
  handler: async (ctx, args) => {
    requireServer(args.secret)
    const due = await ctx.db
      .query("assessmentJobs")
      .withIndex("by_due", (q) => q.gte("dueAt", 0).lte("dueAt", args.now))
      .take(CLAIM_SCAN)
    for (const job of due) {
      if (job.status === "running" && job.attempts >= args.maxAttempts) {
        await ctx.db.patch(job._id, {
          status: "failed",
          dueAt: undefined,
          failureReason: `lease expired on the last attempt (${job.attempts})`,
          updatedAt: args.now
        })
        continue
      }
      const attempt = job.attempts + 1
      await ctx.db.patch(job._id, {
        status: "running",
        attempts: attempt,
        dueAt: args.now + args.leaseMillis,
        worker: args.worker,
        updatedAt: args.now
      })
      return {
        groupId: job.groupId,
        sessionId: job.sessionId,
        attempt,
        queuedAt: job.queuedAt,
        requestId: job.requestId ?? null
      }
    }
    return null
  }
})

export const complete = mutation({
  args: {
    ...serverSecret,
    groupId: v.string(),
    attempt: v.number(),
    now: v.number(),
    resultLocation: v.union(v.literal("store"), v.literal("memory")),
    result: v.optional(assessmentResult)
  },
  handler: async (ctx, args) => {
    requireServer(args.secret)
    const job = await held(ctx, args.groupId, args.attempt)
    if (job === null) return "lost" as const
    await ctx.db.patch(job._id, {
      status: "completed",
      dueAt: undefined,
      failureReason: undefined,
      updatedAt: args.now,
      resultLocation: args.resultLocation,
      result: args.result
    })
    return "completed" as const
  }
})

export const fail = mutation({
  args: {
    ...serverSecret,
    groupId: v.string(),
    attempt: v.number(),
    now: v.number(),
    reason: v.string(),
    retryAt: v.optional(v.number())
  },
  handler: async (ctx, args) => {
    requireServer(args.secret)
    const job = await held(ctx, args.groupId, args.attempt)
    if (job === null) return "lost" as const
    await ctx.db.patch(job._id, {
      status: args.retryAt === undefined ? "failed" : "pending",
      dueAt: args.retryAt,
      failureReason: args.reason,
      updatedAt: args.now
    })
    return args.retryAt === undefined ? ("failed" as const) : ("retrying" as const)
  }
})

export const job = query({
  args: { ...serverSecret, groupId: v.string() },
  handler: async (ctx, { secret, groupId }) => {
    requireServer(secret)
    const row = await jobRow(ctx, groupId)
    return row === null ? null : withoutSystemFields(row)
  }
})

export const jobsOf = query({
  args: { ...serverSecret, sessionId: v.string() },
  handler: async (ctx, { secret, sessionId }) => {
    requireServer(secret)
    const rows = await ctx.db
      .query("assessmentJobs")
      .withIndex("by_session", (q) => q.eq("sessionId", sessionId))
      .collect()
    return rows.map((row) => withoutSystemFields(row))
  }
})

export const depth = query({
  args: { ...serverSecret },
  handler: async (ctx, { secret }) => {
    requireServer(secret)
    const count = async (status: "pending" | "running") =>
      (
        await ctx.db
          .query("assessmentJobs")
          .withIndex("by_status", (q) => q.eq("status", status))
          .take(DEPTH_CAP)
      ).length
    return { pending: await count("pending"), running: await count("running") }
  }
})
