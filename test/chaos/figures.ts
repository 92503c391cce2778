/** The p-th percentile (0..100) of `samples`, nearest rank; NaN with no samples. */
export const percentile = (samples: ReadonlyArray<number>, p: number) => {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export const MiB = 1024 * 1024

export const formatMiB = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`

export const formatMs = (ms: number) => (Number.isNaN(ms) ? "n/a" : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`)

/** `{ a: 1, b: 0 }` as `a 1, b 0`. */
export const formatCounts = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ")

/** How many times each name occurs. */
export const tally = (outcomes: Iterable<string>) => {
  const counts: Record<string, number> = {}
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1
  return counts
}
