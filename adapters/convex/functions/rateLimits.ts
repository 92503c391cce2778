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

/**
 * Takes `tokens` from the token bucket of `key` (refilled `limit` tokens per `periodMillis`, holding
 * at most `limit`), in the rate limiter component's transaction: every service process spends one
 * budget. Answers whether they were taken and, when not, in how many ms they could be.
 */
export const takeTokens = mutation({
  args: { ...serverSecret, key: v.string(), tokens: v.number(), limit: v.number(), periodMillis: v.number() },
  handler: async (ctx, { secret, key, tokens, limit, periodMillis }) => {
    requireServer(secret)
    const { ok, retryAfter } = await limiter.limit(ctx, "requests", {
      key,
      count: tokens,
      config: { kind: "token bucket", rate: limit, period: periodMillis, capacity: limit }
    })
    return { ok, retryAfter: retryAfter ?? 0 }
  }
})
