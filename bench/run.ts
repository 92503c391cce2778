/**
 * `npm run bench`: ingest throughput over HTTP and context-window read latency, each next to a
 * baseline measured in the same run. Prints numbers and ratios; it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { benchContextWindow } from "./context-window.ts"
import { benchIngestThroughput } from "./ingest-throughput.ts"
import { count, ms, perSecond, printTable, ratio } from "./report.ts"

const WINDOW = 20
const SIZES = [100, 10_000, 100_000]

const started = performance.now()
const dataDir = mkdtempSync(join(tmpdir(), "coachup-bench-"))
console.log(
  `coachup bench: node ${process.version}, ${availableParallelism()} CPUs, data in ${dataDir}\n` +
    "latencies: p50/p95 of individually timed calls (performance.now), after a warm-up"
)

try {
  const ingest = await benchIngestThroughput({
    dataDir,
    requests: 5000,
    warmupRequests: 500,
    concurrency: 32,
    sessions: 64
  })
  printTable(
    "1. Ingest: POST /messages/ingest (real service, SQLite, in-process, client in a worker thread) vs raw inserts",
    ["path", "operations", "throughput", "p50", "p95", "max"],
    [
      [
        `HTTP ingest, ${ingest.http.concurrency} in flight`,
        count(ingest.http.requests),
        perSecond(ingest.http.perSecond),
        ms(ingest.http.latency.p50),
        ms(ingest.http.latency.p95),
        ms(ingest.http.latency.max)
      ],
      [
        "raw DatabaseSync INSERT, autocommit",
        count(ingest.raw.inserts),
        perSecond(ingest.raw.perSecond),
        ms(ingest.raw.latency.p50),
        ms(ingest.raw.latency.p95),
        ms(ingest.raw.latency.max)
      ]
    ]
  )
  console.log(
    `HTTP / raw throughput: ${ratio(ingest.ratio)} (raw inserts ${ratio(1 / ingest.ratio)} the HTTP rate)`
  )

  const context = await benchContextWindow({
    dataDir,
    sizes: SIZES,
    window: WINDOW,
    iterations: 2000,
    warmup: 200,
    sliceIterations: (size) => (size >= 100_000 ? 50 : size >= 10_000 ? 200 : 2000)
  })
  printTable(
    `2. Context window: last ${WINDOW} messages of one session`,
    ["session size", "read", "iterations", "p50", "p95", "vs adapter p50"],
    context.flatMap((row) => [
      [
        count(row.size),
        "adapter lastN (Effect TranscriptStore)",
        count(row.adapter.count),
        ms(row.adapter.p50),
        ms(row.adapter.p95),
        ratio(1)
      ],
      [
        count(row.size),
        "raw indexed query, LIMIT 20",
        count(row.raw.count),
        ms(row.raw.p50),
        ms(row.raw.p95),
        ratio(row.raw.p50 / row.adapter.p50)
      ],
      [
        count(row.size),
        "read all, ORDER BY ts, seq, slice(-20)",
        count(row.slice.count),
        ms(row.slice.p50),
        ms(row.slice.p95),
        ratio(row.slice.p50 / row.adapter.p50)
      ]
    ])
  )
  printTable(
    "Context-window ratios (p50)",
    ["session size", "adapter / raw", "slice / adapter"],
    context.map((row) => [
      count(row.size),
      ratio(row.adapter.p50 / row.raw.p50),
      ratio(row.slice.p50 / row.adapter.p50)
    ])
  )
  const first = context[0]
  const last = context[context.length - 1]
  if (first === undefined || last === undefined) throw new Error("no context-window results")
  const flatness = last.adapter.p50 / first.adapter.p50
  console.log(
    `adapter lastN p50 at ${count(last.size)} / at ${count(first.size)} messages: ${ratio(flatness)}`
  )

  const seconds = (performance.now() - started) / 1000
  console.log(
    `\nSummary: ingest ${perSecond(ingest.http.perSecond)} over HTTP (p50 ${ms(ingest.http.latency.p50)}) = ` +
      `${ratio(ingest.ratio)} of raw inserts (${perSecond(ingest.raw.perSecond)}); ` +
      `lastN p50 ${ms(last.adapter.p50)} at ${count(last.size)} messages (${ratio(flatness)} its p50 at ` +
      `${count(first.size)}; ${ratio(last.adapter.p50 / last.raw.p50)} the raw query; read-all-then-slice ` +
      `${ratio(last.slice.p50 / last.adapter.p50)} slower); ` +
      `${seconds.toFixed(1)} s total`
  )
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
