import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { seriesBy } from "./metrics.ts"

describe("seriesBy", () => {
  it.effect("gives one series per combination of tag values, counted under those tags", () =>
    Effect.gen(function* () {
      const writes = Metric.counter("test_series_by_total", { incremental: true })
      const writesBy = seriesBy(writes, "outcome", "role")
      expect(writesBy("inserted", "user")).toBe(writesBy("inserted", "user"))
      yield* Metric.increment(writesBy("inserted", "user"))
      yield* Metric.increment(writesBy("inserted", "user"))
      yield* Metric.increment(writesBy("duplicate", "user"))
      const counted = (outcome: string) =>
        Metric.value(Metric.tagged(Metric.tagged(writes, "outcome", outcome), "role", "user"))
      expect((yield* counted("inserted")).count).toBe(2)
      expect((yield* counted("duplicate")).count).toBe(1)
    })
  )
})
