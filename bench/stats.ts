import { performance } from "node:perf_hooks"

/** Latency of a batch of timed calls, in milliseconds. */
export interface LatencySummary {
  readonly count: number
  readonly mean: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** Nearest-rank percentile of an ascending array; `p` in 0..100. */
export const percentile = (sorted: ArrayLike<number>, p: number): number => {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}

export const summarize = (samples: ArrayLike<number>): LatencySummary => {
  const sorted = Float64Array.from(samples).sort()
  const total = sorted.reduce((sum, value) => sum + value, 0)
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN)
  }
}

/** Runs `call` `warmup` times untimed, then `iterations` times timed one by one. */
export const timeEach = (options: {
  readonly warmup: number
  readonly iterations: number
  readonly call: () => unknown
}): LatencySummary => {
  for (let i = 0; i < options.warmup; i++) options.call()
  const samples = new Float64Array(options.iterations)
  for (let i = 0; i < options.iterations; i++) {
    const start = performance.now()
    options.call()
    samples[i] = performance.now() - start
  }
  return summarize(samples)
}
