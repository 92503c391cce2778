import { Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import { StoreUnavailable } from "../../domain/errors.ts"
import { callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeShort = Schema.decodeUnknownSync(
  Schema.OptionFromNullOr(Schema.Struct({ index: Schema.Number, retryAfter: Schema.Number }))
)

/** How long a request waits for its budget before it is let through (a failed store lets it through). */
const CALL_DEADLINE = Duration.seconds(2)

/**
 * The request budgets' buckets in the Convex deployment's rate limiter component, shared by every
 * service process: a request's buckets are checked, then spent, in one mutation.
 */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return RateLimitBuckets.of({
    take: (requests) =>
      callDecoded("rate_limit_take", decodeShort, () =>
        caller.mutation(api.rateLimits.takeOneEach, {
          secret,
          buckets: requests.map(({ key, limit, refillMillis }) => ({
            key,
            limit,
            periodMillis: refillMillis * limit
          }))
        })
      ).pipe(
        Effect.timeoutFail({
          duration: CALL_DEADLINE,
          onTimeout: () => new StoreUnavailable({ operation: "rate_limit_take", reason: "timeout" })
        }),
        Effect.map(Option.map(({ index, retryAfter }) => ({ index, retryAfterMillis: retryAfter })))
      )
  })
})

/** The buckets on the `ConvexBackend` given. */
export const layer = Layer.effect(RateLimitBuckets, make)
