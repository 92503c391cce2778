import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import {
  FULL_BUCKET_SWEEP_INTERVAL_MS,
  fullAt,
  fullBucketSweepDue,
  takeOneEach
} from "./rate-limit-bucket.ts"

const fivePerMinute = { limit: 5, refillMillis: 12_000 }
const twoPerMinute = { limit: 2, refillMillis: 30_000 }

describe("takeOneEach", () => {
  it("starts new buckets full and takes a token from each", () => {
    expect(takeOneEach([undefined, undefined], [fivePerMinute, twoPerMinute], 1_000)).toEqual({
      buckets: [
        { tokens: 4, lastRefill: 1_000 },
        { tokens: 1, lastRefill: 1_000 }
      ],
      short: Option.none()
    })
  })

  it("takes from none when one is short, answering the short bucket whose next token comes last", () => {
    const user = { tokens: 0, lastRefill: 12_000 }
    const session = { tokens: 0, lastRefill: 10_000 }
    const stored = [{ tokens: 3, lastRefill: 0 }, user, session]
    expect(takeOneEach(stored, [fivePerMinute, fivePerMinute, twoPerMinute], 20_000)).toEqual({
      buckets: [{ tokens: 4, lastRefill: 12_000 }, user, session],
      short: Option.some({ index: 2, retryAfterMillis: 20_000 })
    })
  })

  it("refills a token per whole interval, up to the limit, keeping the part of an interval begun", () => {
    expect(takeOneEach([{ tokens: 0, lastRefill: 0 }], [fivePerMinute], 30_000).buckets).toEqual([
      { tokens: 1, lastRefill: 24_000 }
    ])
    expect(takeOneEach([{ tokens: 1, lastRefill: 0 }], [fivePerMinute], 600_000).buckets).toEqual([
      { tokens: 4, lastRefill: 600_000 }
    ])
  })

  it("starts a full bucket's clock again: an interval's part that passed while full refills nothing", () => {
    expect(takeOneEach([{ tokens: 5, lastRefill: 0 }], [fivePerMinute], 11_999).buckets).toEqual([
      { tokens: 4, lastRefill: 11_999 }
    ])
  })
})

describe("takeOneEach at the edges", () => {
  const sevenPerMinute = { limit: 7, refillMillis: 60_000 / 7 }

  it("answers a wait of at least one whole millisecond when the interval is not a whole millisecond", () => {
    const emptied = { tokens: 0, lastRefill: 51_428.571_5 }
    const { short } = takeOneEach([emptied], [sevenPerMinute], 60_000)
    expect(Option.map(short, ({ retryAfterMillis }) => retryAfterMillis)).toEqual(Option.some(1))
  })

  it("puts a bucket's clock back to now when the clock stepped back, so the wait is one interval at most", () => {
    const { buckets, short } = takeOneEach([{ tokens: 0, lastRefill: 3_600_000 }], [fivePerMinute], 0)
    expect(buckets).toEqual([{ tokens: 0, lastRefill: 0 }])
    expect(short).toEqual(Option.some({ index: 0, retryAfterMillis: 12_000 }))
  })

  it("holds a bucket stored under a higher limit to the limit now", () => {
    expect(takeOneEach([{ tokens: 9, lastRefill: 0 }], [fivePerMinute], 1_000).buckets).toEqual([
      { tokens: 4, lastRefill: 1_000 }
    ])
  })
})

describe("fullAt", () => {
  it("is when the bucket has refilled to its limit", () => {
    expect(fullAt({ tokens: 2, lastRefill: 1_000 }, fivePerMinute)).toBe(37_000)
    expect(fullAt({ tokens: 5, lastRefill: 1_000 }, fivePerMinute)).toBe(1_000)
  })
})

describe("fullBucketSweepDue", () => {
  it("is due first, then once an interval has passed, and at once when the clock went back", () => {
    expect(fullBucketSweepDue(undefined, 0)).toBe(true)
    expect(fullBucketSweepDue(1_000, 1_000 + FULL_BUCKET_SWEEP_INTERVAL_MS - 1)).toBe(false)
    expect(fullBucketSweepDue(1_000, 1_000 + FULL_BUCKET_SWEEP_INTERVAL_MS)).toBe(true)
    expect(fullBucketSweepDue(1_000, 999)).toBe(true)
  })
})
