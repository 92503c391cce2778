import { HttpApp, HttpServerResponse } from "@effect/platform"
import { RateLimiter } from "@effect/experimental"
import { Config, Context, Duration, Effect, Layer } from "effect"
import { positiveInteger } from "../../application/config-values.ts"
import type { SessionId, UserId } from "../../domain/ids.ts"
import { failWith, TooManyRequests } from "./api-errors.ts"

export interface RateLimitBudget {
  /** Requests per minute per user; also the burst a user may send at once. */
  readonly perUser: number
  readonly perSession: number
}

/** What `RateLimitPolicy.layerConfig` reads. */
export const config = Config.all({
  chat: Config.all({
    perUser: positiveInteger("RATE_LIMIT_CHAT_PER_USER_PER_MINUTE", 30),
    perSession: positiveInteger("RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE", 20)
  }),
  ingest: Config.all({
    perUser: positiveInteger("RATE_LIMIT_INGEST_PER_USER_PER_MINUTE", 600),
    perSession: positiveInteger("RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE", 300)
  })
})

/** The request budgets of the rate-limited routes. */
export class RateLimitPolicy extends Context.Tag("coachup/http/RateLimitPolicy")<
  RateLimitPolicy,
  { readonly chat: RateLimitBudget; readonly ingest: RateLimitBudget }
>() {
  /** The `RATE_LIMIT_*_PER_MINUTE` budgets. */
  static readonly layerConfig = Layer.effect(RateLimitPolicy, config)
}

/** The budgets from the environment and their buckets, in this process's memory. */
export const layerConfig = Layer.merge(
  RateLimitPolicy.layerConfig,
  RateLimiter.layer.pipe(Layer.provide(RateLimiter.layerStoreMemory))
)

/**
 * Spends one request of the user's and of the session's budget (token buckets refilled over a
 * minute) or fails with 429 and `Retry-After`. The buckets live in the `RateLimiterStore` layer:
 * in process memory now; a shared store (Redis) replaces it for several instances. A store that
 * fails lets the request through.
 */
export const enforceRateLimit = (route: "chat" | "ingest", userId: UserId, sessionId: SessionId) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter.RateLimiter
    const budget = (yield* RateLimitPolicy)[route]
    const buckets = [
      { scope: "user", key: userId, limit: budget.perUser },
      { scope: "session", key: sessionId, limit: budget.perSession }
    ] as const
    for (const bucket of buckets) {
      const spent = yield* limiter
        .consume({
          algorithm: "token-bucket",
          onExceeded: "fail",
          window: "1 minute",
          limit: bucket.limit,
          key: `${route}:${bucket.scope}:${bucket.key}`
        })
        .pipe(Effect.either)
      if (spent._tag === "Right") continue
      if (spent.left.reason === "StoreError") {
        yield* Effect.logWarning("rate limiter store failed; request let through")
        continue
      }
      const retryAfter = Math.max(1, Math.ceil(Duration.toSeconds(spent.left.retryAfter)))
      yield* HttpApp.appendPreResponseHandler((_, response) =>
        Effect.succeed(
          response.status === 429
            ? HttpServerResponse.setHeader(response, "retry-after", String(retryAfter))
            : response
        )
      )
      return yield* failWith(
        TooManyRequests,
        "rate_limited",
        `too many ${route} requests for this ${bucket.scope}; retry in ${retryAfter} s`
      )
    }
  })
