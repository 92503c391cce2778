import { RateLimiter } from "@convex-dev/rate-limiter"
import type { ComponentApi } from "@convex-dev/rate-limiter/_generated/component.js"
import { componentsGeneric } from "convex/server"
import { v } from "convex/values"
import { mutation } from "./_generated/server.js"
import { requireServer, serverSecret } from "./access.ts"

/**
 * The component registered in `convex.config.ts`. Offline codegen (no deployment) writes no typed
 * `components`, so the reference is made as the generated one would be, typed by the component.
 */
const limiter = new RateLimiter(componentsGeneric()["rateLimiter"] as unknown as ComponentApi)

const bucket = v.object({ key: v.string(), limit: v.number(), periodMillis: v.number() })

/**
 * Takes one token from each token bucket (`limit` tokens refilled per `periodMillis`, holding at most
 * `limit`; keys all different), in the mutation's one transaction with the rate limiter component, or
 * from none when one is short: every service process spends one budget. Answers the short bucket whose
 * token comes last (its index, and in how many ms), or null when every token was taken. A bucket
 * short when spent after its check passed throws: the mutation then takes nothing.
 */
export const takeOneEach = mutation({
  args: { ...serverSecret, buckets: v.array(bucket) },
  handler: async (ctx, { secret, buckets }) => {
    requireServer(secret)
    const configs = buckets.map(({ key, limit, periodMillis }) => ({
      key,
      config: { kind: "token bucket" as const, rate: limit, period: periodMillis, capacity: limit }
    }))
    let short: { index: number; retryAfter: number } | null = null
    for (const [index, config] of configs.entries()) {
      const { ok, retryAfter = 0 } = await limiter.check(ctx, "requests", config)
      if (!ok && (short === null || retryAfter > short.retryAfter)) short = { index, retryAfter }
    }
    if (short !== null) return short
    for (const config of configs) await limiter.limit(ctx, "requests", { ...config, throws: true })
    return null
  }
})
