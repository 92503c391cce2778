import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, TestClock } from "effect"
import { make } from "./rate-limit-store.ts"

const take = (store: ReturnType<typeof make>["store"], key: string) =>
  store.tokenBucket({ key, tokens: 1, limit: 5, refillRate: Duration.seconds(12), allowOverflow: false })

describe("the bounded rate-limit store", () => {
  it.effect("drops buckets that have refilled: 10,000 idle keys do not stay", () =>
    Effect.gen(function* () {
      const { store, size } = make()
      for (let index = 0; index < 10_000; index++) yield* take(store, `address:${index}`)
      expect(size()).toBe(10_000)
      yield* TestClock.adjust("61 seconds")
      yield* take(store, "address:active")
      expect(size()).toBe(1)
    })
  )

  it.effect("keeps a bucket that has not refilled, with its tokens spent", () =>
    Effect.gen(function* () {
      const { store, size } = make()
      for (let index = 0; index < 5; index++) yield* take(store, "busy")
      yield* TestClock.adjust("61 seconds")
      yield* take(store, "other")
      expect(size()).toBe(1)
      for (let index = 0; index < 5; index++) yield* take(store, "busy")
      yield* TestClock.adjust("30 seconds")
      yield* take(store, "other")
      // 30 s refilled two of busy's five tokens: a sixth, seventh and eighth request find one short.
      expect(yield* take(store, "busy")).toBe(1)
      expect(yield* take(store, "busy")).toBe(0)
      expect(yield* take(store, "busy")).toBe(-1)
    })
  )

  it.effect("holds no more than maxBuckets, dropping the least recently used", () =>
    Effect.gen(function* () {
      const { store, size } = make({ maxBuckets: 100 })
      yield* take(store, "first")
      for (let index = 0; index < 1_000; index++) {
        yield* take(store, `address:${index}`)
        if (index % 50 === 0) yield* take(store, "first")
      }
      expect(size()).toBe(100)
      expect(yield* take(store, "first")).toBeLessThan(4)
    })
  )

  it.effect("answers a fixed window as the platform's store does", () =>
    Effect.gen(function* () {
      const { store } = make()
      const hit = store.fixedWindow({ key: "window", tokens: 1, limit: 2, refillRate: Duration.seconds(30) })
      expect(yield* hit).toEqual([1, 30_000])
      expect(yield* hit).toEqual([2, 60_000])
      expect(yield* hit).toEqual([3, 60_000])
      yield* TestClock.adjust("61 seconds")
      expect(yield* hit).toEqual([1, 30_000])
    })
  )
})
