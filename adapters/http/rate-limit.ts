import { Config, Context, Effect, Layer, Option } from "effect"
import { positiveInteger } from "../../application/config-values.ts"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
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
 * The budgets from the environment. They are spent in the deployment's `RateLimitBuckets`: the
 * buckets every process shares (SQLite, Convex), or this process's memory for the in-memory deployment.
 */
export const layerConfig = RateLimitPolicy.layerConfig

interface Bucket {
  readonly key: string
  readonly limit: number
  /** Whose budget it is, for the 429's message: "this user", "this address". */
  readonly holder: string
}

/** A budget of `limit` requests a minute: one token back every minute / `limit`. */
const perMinute = ({ key, limit }: Bucket) => ({ key, limit, refillMillis: 60_000 / limit })

/**
 * Spends one request of each bucket (refilled over a minute), all in one store call, or none and
 * fails with 429 and `Retry-After` when one is spent. A store that fails lets the request through.
 */
const spend = (what: string, buckets: ReadonlyArray<Bucket>) =>
  Effect.flatMap(RateLimitBuckets, (store) =>
    Effect.matchEffect(store.take(buckets.map(perMinute)), {
      onFailure: (error) =>
        Effect.logWarning("rate limiter store failed; request let through").pipe(
          Effect.annotateLogs({ reason: `${error.operation}: ${error.reason}` })
        ),
      onSuccess: Option.match({
        onNone: () => Effect.void,
        onSome: ({ index, retryAfterMillis }) => {
          const retryAfter = Math.max(1, Math.ceil(retryAfterMillis / 1000))
          return failRetryLater(
            TooManyRequests,
            "rate_limited",
            `too many ${what} for ${buckets[index]!.holder}; retry in ${retryAfter} s`,
            retryAfter
          )
        }
      })
    })
  )

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
