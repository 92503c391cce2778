/** Statistics, thresholds and the k6-style summary of a chat load run. */
import { percentile } from "../../bench/stats.ts"

export interface Distribution {
  readonly count: number
  readonly avg: number
  readonly min: number
  readonly p50: number
  readonly p90: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

export const distribution = (samples: ReadonlyArray<number>): Distribution => {
  const sorted = [...samples].sort((a, b) => a - b)
  const total = sorted.reduce((sum, value) => sum + value, 0)
  return {
    count: sorted.length,
    avg: sorted.length === 0 ? Number.NaN : total / sorted.length,
    min: sorted[0] ?? Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN
  }
}

/** Milliseconds as k6 prints them: `812.4ms`, `1.23s`. */
export const formatMs = (ms: number): string => {
  if (Number.isNaN(ms)) return "n/a"
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`
  return `${(ms / 1000).toFixed(2)}s`
}

export const formatPercent = (rate: number): string =>
  Number.isNaN(rate) ? "n/a" : `${(rate * 100).toFixed(2)}%`

export interface Threshold {
  readonly metric: string
  /** As k6 writes it, e.g. `p(95)<=1200ms`. */
  readonly expression: string
  /** The observed value, formatted, e.g. `p(95)=812.4ms`. */
  readonly observed: string
  readonly passed: boolean
}

export interface LoadSummary {
  readonly title: string
  readonly details: ReadonlyArray<string>
  readonly elapsedMs: number
  readonly turns: number
  readonly failed: number
  readonly ttft: Distribution
  readonly turnDuration: Distribution
  readonly deltas: number
  readonly maxContextMessages: number | undefined
  readonly vus: number
  readonly failureReasons: ReadonlyMap<string, number>
  readonly thresholds: ReadonlyArray<Threshold>
}

const row = (name: string, value: string) => `    ${name.padEnd(26, ".")}: ${value}`

const trend = (d: Distribution) =>
  [
    `avg=${formatMs(d.avg)}`,
    `min=${formatMs(d.min)}`,
    `med=${formatMs(d.p50)}`,
    `p(90)=${formatMs(d.p90)}`,
    `p(95)=${formatMs(d.p95)}`,
    `p(99)=${formatMs(d.p99)}`,
    `max=${formatMs(d.max)}`
  ].join(" ")

export const renderSummary = (summary: LoadSummary): string => {
  const seconds = summary.elapsedMs / 1000
  const rate = (count: number) => `${(count / seconds).toFixed(2)}/s`
  const failRate = summary.turns === 0 ? Number.NaN : summary.failed / summary.turns
  const lines = [
    "",
    `  ${summary.title}`,
    ...summary.details.map((detail) => `    ${detail}`),
    "",
    "  █ THRESHOLDS",
    ""
  ]
  for (const threshold of summary.thresholds) {
    lines.push(`    ${threshold.metric}`)
    lines.push(`    ${threshold.passed ? "✓" : "✗"} '${threshold.expression}' ${threshold.observed}`)
    lines.push("")
  }
  lines.push("  █ TOTAL RESULTS", "")
  lines.push(row("chat_turns", `${String(summary.turns).padEnd(6)} ${rate(summary.turns)}`))
  lines.push(
    row(
      "chat_turns_ok",
      `${String(summary.turns - summary.failed).padEnd(6)} ${rate(summary.turns - summary.failed)}`
    )
  )
  lines.push(
    row("chat_turns_failed", `${formatPercent(failRate).padEnd(6)} ${summary.failed} out of ${summary.turns}`)
  )
  lines.push(row("chat_ttft", trend(summary.ttft)))
  lines.push(row("chat_turn_duration", trend(summary.turnDuration)))
  lines.push(
    row(
      "chat_text_deltas",
      `${String(summary.deltas).padEnd(6)} ${rate(summary.deltas)}` +
        (summary.turnDuration.count === 0
          ? ""
          : `  ${(summary.deltas / summary.turnDuration.count).toFixed(1)}/turn`)
    )
  )
  if (summary.maxContextMessages !== undefined) {
    lines.push(
      row("chat_context_messages", `max=${summary.maxContextMessages} messages in one turn's context window`)
    )
  }
  lines.push(row("vus", String(summary.vus)))
  lines.push(row("duration", `${seconds.toFixed(1)}s`))
  if (summary.failureReasons.size > 0) {
    lines.push("", "  █ FAILED TURNS BY REASON", "")
    const reasons = [...summary.failureReasons].sort((a, b) => b[1] - a[1])
    for (const [reason, count] of reasons.slice(0, 10))
      lines.push(`    ${String(count).padStart(6)}  ${reason}`)
    if (reasons.length > 10) lines.push(`    ... and ${reasons.length - 10} other reasons`)
  }
  lines.push("")
  return lines.join("\n")
}
