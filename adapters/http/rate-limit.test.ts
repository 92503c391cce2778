import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import { StoreUnavailable } from "../../domain/errors.ts"
import { SessionId, UserId } from "../../domain/ids.ts"
import { TooManyRequests } from "./api-errors.ts"
import { enforceRateLimit, RateLimitPolicy } from "./rate-limit.ts"

const budgets = { perUser: 5, perSession: 3 }
const policy = Layer.succeed(RateLimitPolicy, {
  chat: budgets,
  ingest: budgets,
  unauthenticatedPerAddress: 2
})

/** Buckets answering `answer` to every request, the keys they were asked for kept in `asked`. */
const bucketsAnswering = (answer: RateLimitBuckets["Type"]["take"]) => {
  const asked: Array<ReadonlyArray<string>> = []
  const layer = Layer.succeed(RateLimitBuckets, {
    take: (buckets) => Effect.suspend(() => (asked.push(buckets.map(({ key }) => key)), answer(buckets)))
  })
  return { asked, layer }
}

const spend = enforceRateLimit("ingest", UserId.make("user-1"), SessionId.make("session-1"))

describe("enforceRateLimit", () => {
  it.effect("spends the user's and the session's budgets in one store call", () =>
    Effect.gen(function* () {
      const { asked, layer } = bucketsAnswering(() => Effect.succeedNone)
      yield* Effect.provide(spend, Layer.merge(policy, layer))
      expect(asked).toEqual([["ingest:user:user-1", "ingest:session:user-1/session-1"]])
    })
  )

  it.effect("refuses with the budget that was short and the whole seconds until it has a token", () =>
    Effect.gen(function* () {
      const { layer } = bucketsAnswering(() => Effect.succeedSome({ index: 1, retryAfterMillis: 12_001 }))
      const refused = yield* Effect.flip(Effect.provide(spend, Layer.merge(policy, layer)))
      expect(refused).toBeInstanceOf(TooManyRequests)
      expect(refused.error).toMatchObject({
        code: "rate_limited",
        message: "too many ingest requests for this session; retry in 13 s"
      })
    })
  )

  it.effect("lets the request through with a warning when the store fails", () =>
    Effect.gen(function* () {
      const warnings: Array<unknown> = []
      const { layer } = bucketsAnswering(() =>
        Effect.fail(new StoreUnavailable({ operation: "rate_limit_take", reason: "database is locked" }))
      )
      yield* Effect.provide(
        spend,
        Layer.mergeAll(
          policy,
          layer,
          Logger.replace(
            Logger.defaultLogger,
            Logger.make(({ message, annotations }) =>
              warnings.push([message, Object.fromEntries(annotations)])
            )
          )
        )
      )
      expect(warnings).toEqual([
        [
          ["rate limiter store failed; request let through"],
          { reason: "rate_limit_take: database is locked" }
        ]
      ])
    })
  )
})
