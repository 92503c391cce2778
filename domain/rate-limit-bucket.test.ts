import { describe, expect, it } from "@effect/vitest"
import { Option } from "effect"
import { fullAt, takeOneEach } from "./rate-limit-bucket.ts"

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

  it("takes from none when one is short, answering the first short and the time to its next token", () => {
    const user = { tokens: 0, lastRefill: 0 }
    const session = { tokens: 0, lastRefill: 10_000 }
    expect(
      takeOneEach(
        [{ tokens: 3, lastRefill: 0 }, user, session],
        [fivePerMinute, fivePerMinute, twoPerMinute],
        5_000
      )
    ).toEqual({
      buckets: [{ tokens: 3, lastRefill: 0 }, user, session],
      short: Option.some({ index: 1, retryAfterMillis: 7_000 })
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
})

describe("fullAt", () => {
  it("is when the bucket has refilled to its limit", () => {
    expect(fullAt({ tokens: 2, lastRefill: 1_000 }, fivePerMinute)).toBe(37_000)
    expect(fullAt({ tokens: 5, lastRefill: 1_000 }, fivePerMinute)).toBe(1_000)
  })
})
