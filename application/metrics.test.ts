import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries } from "effect"
import { adjustGauge, seriesBy, updateMetric, updateMetrics } from "./metrics.ts"

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

describe("updateMetric, updateMetrics and adjustGauge", () => {
  it.effect(
    "update a counter, a gauge and a histogram, and move a gauge, as Metric's own updates would",
    () =>
      Effect.gen(function* () {
        const counted = Metric.counter("test_update_metric_total", { incremental: true })
        const level = Metric.gauge("test_update_metric_level")
        const seconds = Metric.histogram(
          "test_update_metric_seconds",
          MetricBoundaries.fromIterable([0.1, 1])
        )
        yield* updateMetric(counted, 1)
        yield* updateMetric(level, 7)
        yield* updateMetrics((update) => {
          update(counted, 2)
          update(level, 3)
          update(seconds, 0.5)
          update(seconds, 2)
        })
        const open = Metric.gauge("test_adjust_gauge_open")
        yield* adjustGauge(open, 1)
        yield* adjustGauge(open, 1)
        yield* adjustGauge(open, -1)
        expect((yield* Metric.value(open)).value).toBe(1)
        expect((yield* Metric.value(counted)).count).toBe(3)
        expect((yield* Metric.value(level)).value).toBe(3)
        const histogram = yield* Metric.value(seconds)
        expect(histogram.count).toBe(2)
        expect(histogram.sum).toBe(2.5)
        expect(histogram.buckets).toEqual([
          [0.1, 0],
          [1, 1],
          [Number.POSITIVE_INFINITY, 2]
        ])
      })
  )
})
