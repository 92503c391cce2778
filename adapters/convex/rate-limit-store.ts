import { RateLimiter } from "@effect/experimental"
import { Duration, Effect, Layer, Redacted, Schema } from "effect"
import { StoreUnavailable } from "../../domain/errors.ts"
import { callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeTaken = Schema.decodeUnknownSync(Schema.Struct({ ok: Schema.Boolean, retryAfter: Schema.Number }))

/** How long a request waits for its budget before it is let through (a failed store lets it through). */
const CALL_DEADLINE = Duration.seconds(2)

/**
 * The rate limiter's buckets in the Convex deployment's rate limiter component, shared by every
 * service process. The component answers whether the tokens were taken and, if not, when they could
 * be; not how many remain. So a bucket that took them answers 0 remaining, and one short answers the
 * tokens that refill by its retry time: the limiter's `Retry-After` is then the component's, rounded
 * up to a whole token. Fixed windows are not kept here: the service's budgets are token buckets.
 */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return RateLimiter.RateLimiterStore.of({
    tokenBucket: (request) => {
      const refillMillis = Duration.toMillis(request.refillRate)
      return callDecoded("rate_limit_token_bucket", decodeTaken, () =>
        caller.mutation(api.rateLimits.takeTokens, {
          secret,
          key: request.key,
          tokens: request.tokens,
          limit: request.limit,
          periodMillis: refillMillis * request.limit
        })
      ).pipe(
        Effect.timeoutFail({
          duration: CALL_DEADLINE,
          onTimeout: () => new StoreUnavailable({ operation: "rate_limit_token_bucket", reason: "timeout" })
        }),
        Effect.mapError(
          (cause) =>
            new RateLimiter.RateLimitStoreError({ message: `${cause.operation}: ${cause.reason}`, cause })
        ),
        Effect.map(({ ok, retryAfter }) => (ok ? 0 : -Math.max(1, Math.ceil(retryAfter / refillMillis))))
      )
    },
    fixedWindow: () =>
      Effect.fail(new RateLimiter.RateLimitStoreError({ message: "fixed windows are not kept on Convex" }))
  })
})

/** The buckets on the `ConvexBackend` given. */
export const layer = Layer.effect(RateLimiter.RateLimiterStore, make)
