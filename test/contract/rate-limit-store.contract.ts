import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, TestClock } from "effect"
import { type BucketRequest, RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"

/** Five tokens a minute: one every 12 s. */
const bucket = (key: string, limit = 5): BucketRequest => ({ key, limit, refillMillis: 60_000 / limit })

/** Takes a token from each of `buckets`; answers whether they were taken. */
const take = (...buckets: ReadonlyArray<BucketRequest>) =>
  Effect.flatMap(RateLimitBuckets, (store) => Effect.map(store.take(buckets), Option.isNone))

const takeFive = (key: string) => Effect.forEach([1, 2, 3, 4, 5], () => take(bucket(key)))

/**
 * The contract of `RateLimitBuckets` (the request budgets' token buckets), run on every deployment's
 * store with a fresh store per test. `followsTestClock`: the store reads the Effect clock (memory,
 * SQLite), so its refill can be shown with the TestClock; the Convex component keeps its own time.
 */
export const rateLimitStoreContract = (
  name: string,
  makeLayer: () => Layer.Layer<RateLimitBuckets, unknown>,
  options: { readonly followsTestClock: boolean }
) =>
  describe(`RateLimitBuckets contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, RateLimitBuckets>) =>
      it.effect(title, () => Effect.provide(body, makeLayer()))

    test(
      "a bucket gives its limit at once, then answers short with the time to its next token",
      Effect.gen(function* () {
        const store = yield* RateLimitBuckets
        expect(yield* takeFive("user:a")).toEqual([true, true, true, true, true])
        const short = yield* store.take([bucket("user:a")])
        expect(Option.map(short, ({ index }) => index)).toEqual(Option.some(0))
        const retryAfter = Option.getOrThrow(short).retryAfterMillis
        expect(retryAfter).toBeGreaterThan(0)
        expect(retryAfter).toBeLessThanOrEqual(12_000)
        expect(yield* take(bucket("user:a"))).toBe(false)
      })
    )

    test(
      "each key has its own bucket",
      Effect.gen(function* () {
        yield* takeFive("user:a")
        expect(yield* take(bucket("user:b"))).toBe(true)
        expect(yield* take(bucket("user:a"))).toBe(false)
      })
    )

    test(
      "takes from every bucket of a request, or from none when one is short, answering the short one",
      Effect.gen(function* () {
        const store = yield* RateLimitBuckets
        yield* takeFive("session:s")
        // The session's bucket is spent: the others keep the tokens the request would have taken.
        const short = yield* store.take([bucket("user:u"), bucket("session:s"), bucket("session:t")])
        expect(Option.map(short, ({ index }) => index)).toEqual(Option.some(1))
        expect(yield* takeFive("user:u")).toEqual([true, true, true, true, true])
        expect(yield* take(bucket("session:t"), bucket("session:u"))).toBe(true)
        expect(yield* takeFive("session:t")).toEqual([true, true, true, true, false])
        expect(yield* takeFive("session:u")).toEqual([true, true, true, true, false])
      })
    )

    test(
      "answers, of two short buckets, the one whose next token comes last",
      Effect.gen(function* () {
        const store = yield* RateLimitBuckets
        yield* takeFive("user:w")
        yield* Effect.forEach([1, 2], () => take(bucket("session:w", 2)))
        // The session's next token is 30 s away, the user's 12 s.
        const short = yield* store.take([bucket("user:w"), bucket("session:w", 2)])
        expect(Option.map(short, ({ index }) => index)).toEqual(Option.some(1))
        expect(Option.getOrThrow(short).retryAfterMillis).toBeGreaterThan(12_000)
      })
    )

    test(
      "keeps a budget whose refill interval is not a whole millisecond (7 a minute)",
      Effect.gen(function* () {
        const answers = yield* Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], () => take(bucket("user:c", 7)))
        expect(answers).toEqual([true, true, true, true, true, true, true, false])
      })
    )

    if (options.followsTestClock)
      test(
        "refills one token per refill interval, up to the limit, answering the time to the next",
        Effect.gen(function* () {
          const store = yield* RateLimitBuckets
          yield* takeFive("user:a")
          expect(yield* store.take([bucket("user:a")])).toEqual(
            Option.some({ index: 0, retryAfterMillis: 12_000 })
          )
          yield* TestClock.adjust("5 seconds")
          expect(yield* store.take([bucket("user:a")])).toEqual(
            Option.some({ index: 0, retryAfterMillis: 7_000 })
          )
          yield* TestClock.adjust("7 seconds")
          expect(yield* take(bucket("user:a"))).toBe(true)
          expect(yield* take(bucket("user:a"))).toBe(false)
          yield* TestClock.adjust("10 minutes")
          expect(yield* takeFive("user:a")).toEqual([true, true, true, true, true])
          expect(yield* take(bucket("user:a"))).toBe(false)
        })
      )
  })
