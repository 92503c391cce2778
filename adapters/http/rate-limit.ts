import { RateLimiter } from "@effect/experimental"
import { Config, Context, Duration, Effect, Layer } from "effect"
import { positiveInteger } from "../../application/config-values.ts"
import type { SessionId, UserId } from "../../domain/ids.ts"
import { failRetryLater, TooManyRequests } from "./api-errors.ts"

export interface RateLimitBudget {
  /** Requests per minute per user; also the burst a user may send at once. */
  readonly perUser: number
  /** Requests per minute per session of one user. */
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
  }),
  unauthenticatedPerAddress: positiveInteger("RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS_PER_MINUTE", 60)
})

/** The request budgets of the rate-limited routes, and of requests refused for want of a valid token. */
export class RateLimitPolicy extends Context.Tag("coachup/http/RateLimitPolicy")<
  RateLimitPolicy,
  {
    readonly chat: RateLimitBudget
    readonly ingest: RateLimitBudget
    /** 401s per minute per client address; past it, 429. */
    readonly unauthenticatedPerAddress: number
  }
>() {
  /** The `RATE_LIMIT_*_PER_MINUTE` budgets. */
  static readonly layerConfig = Layer.effect(RateLimitPolicy, config)
}

/**
 * The budgets from the environment. They are spent through the `RateLimiter` the application gives,
 * on the deployment's `RateLimiterStore`: the one every process shares (SQLite, Convex), or this
 * process's memory for the in-memory deployment.
 */
export const layerConfig = RateLimitPolicy.layerConfig

interface Bucket {
  readonly key: string
  readonly limit: number
  /** Whose budget it is, for the 429's message: "this user", "this address". */
  readonly holder: string
}

/**
 * Spends one token of each bucket (refilled over a minute) or fails with 429 and `Retry-After`.
 * The buckets live in the deployment's `RateLimiterStore`, shared by its processes. A store that
 * fails lets the request through.
 */
const spend = (what: string, buckets: ReadonlyArray<Bucket>) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter.RateLimiter
    for (const bucket of buckets) {
      const spent = yield* limiter
        .consume({
          algorithm: "token-bucket",
          onExceeded: "fail",
          window: "1 minute",
          limit: bucket.limit,
          key: bucket.key
        })
        .pipe(Effect.either)
      if (spent._tag === "Right") continue
      if (spent.left.reason === "StoreError") {
        yield* Effect.logWarning("rate limiter store failed; request let through").pipe(
          Effect.annotateLogs({ reason: spent.left.message })
        )
        continue
      }
      const retryAfter = Math.max(1, Math.ceil(Duration.toSeconds(spent.left.retryAfter)))
      return yield* failRetryLater(
        TooManyRequests,
        "rate_limited",
        `too many ${what} for ${bucket.holder}; retry in ${retryAfter} s`,
        retryAfter
      )
    }
  })

/**
 * Spends one request of the user's budget and of that user's session's, for the route. The user
 * is the authenticated principal's (a service client spends the budget of the user it acts for);
 * a session's bucket is the user's own, so no one can spend another user's.
 */
export const enforceRateLimit = (route: "chat" | "ingest", userId: UserId, sessionId: SessionId) =>
  Effect.flatMap(RateLimitPolicy, (policy) =>
    spend(`${route} requests`, [
      { key: `${route}:user:${userId}`, limit: policy[route].perUser, holder: "this user" },
      // `/` is in no id, so the key names one (user, session) pair.
      {
        key: `${route}:session:${userId}/${sessionId}`,
        limit: policy[route].perSession,
        holder: "this session"
      }
    ])
  )

/** Spends one of the address's budget of requests refused for want of a valid token. */
export const limitUnauthenticated = (address: string) =>
  Effect.flatMap(RateLimitPolicy, (policy) =>
    spend("requests without a valid token", [
      { key: `unauthenticated:${address}`, limit: policy.unauthenticatedPerAddress, holder: "this address" }
    ])
  )
