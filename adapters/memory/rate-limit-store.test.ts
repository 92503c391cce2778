import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import { make } from "./rate-limit-store.ts"

/** Five a minute: one token back every 12 s. Answers whether the token was taken. */
const take = (buckets: ReturnType<typeof make>["buckets"], key: string) =>
  Effect.map(buckets.take([{ key, limit: 5, refillMillis: 12_000 }]), Option.isNone)

describe("the bounded rate-limit buckets", () => {
  it.effect("drops buckets that have refilled: 10,000 idle keys do not stay", () =>
    Effect.gen(function* () {
      const { buckets, size } = make()
      for (let index = 0; index < 10_000; index++) yield* take(buckets, `address:${index}`)
      expect(size()).toBe(10_000)
      yield* TestClock.adjust("61 seconds")
      yield* take(buckets, "address:active")
      expect(size()).toBe(1)
    })
  )

  it.effect("keeps through a sweep a bucket that has not refilled, with its tokens spent", () =>
    Effect.gen(function* () {
      const { buckets, size } = make()
      for (let index = 0; index < 5; index++) yield* take(buckets, "busy")
      yield* TestClock.adjust("61 seconds")
      yield* take(buckets, "other")
      expect(size()).toBe(1)
      yield* TestClock.adjust("40 seconds")
      for (let index = 0; index < 5; index++) yield* take(buckets, "busy")
      // A sweep runs (a minute since the last), while busy is still four tokens short of full.
      yield* TestClock.adjust("21 seconds")
      yield* take(buckets, "other")
      expect(size()).toBe(2)
      // 21 s refilled one of busy's five tokens.
      expect(yield* take(buckets, "busy")).toBe(true)
      expect(yield* take(buckets, "busy")).toBe(false)
    })
  )

  it.effect("holds no more than maxBuckets, dropping the least recently used", () =>
    Effect.gen(function* () {
      const { buckets, size } = make({ maxBuckets: 100 })
      yield* take(buckets, "first")
      for (let index = 0; index < 1_000; index++) {
        yield* take(buckets, `address:${index}`)
        if (index % 50 === 0) yield* take(buckets, "first")
      }
      expect(size()).toBe(100)
      // "first" kept its bucket, used every 50 keys: 21 requests at one instant spent its 5 tokens.
      expect(yield* take(buckets, "first")).toBe(false)
    })
  )
})
