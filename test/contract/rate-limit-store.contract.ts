import { RateLimiter } from "@effect/experimental"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, type Layer, TestClock } from "effect"

/** Five tokens a minute: one every 12 s. */
const bucket = (key: string) => ({
  key,
  tokens: 1,
  limit: 5,
  refillRate: Duration.seconds(12),
  allowOverflow: false
})

const takeFive = (key: string) =>
  Effect.flatMap(RateLimiter.RateLimiterStore, (store) =>
    Effect.forEach([1, 2, 3, 4, 5], () => store.tokenBucket(bucket(key)))
  )

/**
 * The contract of the rate limiter's `RateLimiterStore` (token buckets, what the service's budgets
 * use), run on every deployment's store with a fresh store per test. `followsTestClock`: the store
 * reads the Effect clock (memory, SQLite), so its refill can be shown with the TestClock; the Convex
 * component keeps its own time.
 */
export const rateLimitStoreContract = (
  name: string,
  makeLayer: () => Layer.Layer<RateLimiter.RateLimiterStore, unknown>,
  options: { readonly followsTestClock: boolean }
) =>
  describe(`RateLimiterStore contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, RateLimiter.RateLimiterStore>) =>
      it.effect(title, () => Effect.provide(body, makeLayer()))

    test(
      "a bucket gives its limit at once, then answers one short and takes nothing",
      Effect.gen(function* () {
        const store = yield* RateLimiter.RateLimiterStore
        const taken = yield* takeFive("user:a")
        expect(taken.every((remaining) => remaining >= 0)).toBe(true)
        expect(yield* store.tokenBucket(bucket("user:a"))).toBe(-1)
        expect(yield* store.tokenBucket(bucket("user:a"))).toBe(-1)
      })
    )

    test(
      "each key has its own bucket",
      Effect.gen(function* () {
        const store = yield* RateLimiter.RateLimiterStore
        yield* takeFive("user:a")
        expect(yield* store.tokenBucket(bucket("user:b"))).toBeGreaterThanOrEqual(0)
        expect(yield* store.tokenBucket(bucket("user:a"))).toBe(-1)
      })
    )

    test(
      "the rate limiter refuses past the limit with a retry time of one refill",
      Effect.gen(function* () {
        const limiter = yield* RateLimiter.make
        const consume = limiter.consume({
          algorithm: "token-bucket",
          onExceeded: "fail",
          window: "1 minute",
          limit: 5,
          key: "session:s"
        })
        yield* Effect.forEach([1, 2, 3, 4, 5], () => consume)
        const refused = yield* Effect.flip(consume)
        expect(refused.reason).toBe("Exceeded")
        if (refused.reason === "Exceeded") expect(Duration.toMillis(refused.retryAfter)).toBe(12_000)
      })
    )

    test(
      "keeps a budget whose refill interval is not a whole millisecond (7 a minute)",
      Effect.gen(function* () {
        const store = yield* RateLimiter.RateLimiterStore
        const seventh = { ...bucket("user:c"), limit: 7, refillRate: Duration.millis(60_000 / 7) }
        const answers = yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], () => store.tokenBucket(seventh))
        expect(answers.slice(0, 7).every((remaining) => remaining >= 0)).toBe(true)
        expect(answers[7]).toBe(-1)
      })
    )

    if (options.followsTestClock)
      test(
        "refills one token per refill interval, up to the limit",
        Effect.gen(function* () {
          const store = yield* RateLimiter.RateLimiterStore
          yield* takeFive("user:a")
          yield* TestClock.adjust("12 seconds")
          expect(yield* store.tokenBucket(bucket("user:a"))).toBe(0)
          expect(yield* store.tokenBucket(bucket("user:a"))).toBe(-1)
          yield* TestClock.adjust("10 minutes")
          expect(yield* takeFive("user:a")).toEqual([4, 3, 2, 1, 0])
        })
      )
  })
