/**
 * `npm run bench`: ingest throughput over HTTP, context-window read latency, chat-stream time to
 * first token, memory per open chat stream, the classifier's cost per ingest and assessment latency,
 * each next to a baseline measured in the same run.
 * Prints numbers and ratios; it asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { benchAssessments } from "./assessments.ts"
import { benchBaselines } from "./baselines.ts"
import { benchChatTtft } from "./chat-ttft.ts"
import { benchContextWindow } from "./context-window.ts"
import { benchEffectWork, EFFECT_WORK_OPTIONS, printEffectWork } from "./effect-work.ts"
import { benchFrameworkLadder, printFrameworkLadder } from "./framework-ladder.ts"
import { benchIngestBaselines, INGEST_BASELINE_OPTIONS, printIngestBaselines } from "./ingest-baselines.ts"
import { benchIngestThroughput } from "./ingest-throughput.ts"
import { bytes, count, ms, perSecond, printTable, ratio } from "./report.ts"
import type { LatencySummary } from "./stats.ts"
import { benchStreamMemory, type MemoryMeasurement } from "./stream-memory.ts"
import { benchTokenBudget } from "./token-budget.ts"

const WINDOW = 20
const SIZES = [100, 10_000, 100_000]
/** The target: the service adds under this much to the first token of one stream, at p95. */
const TTFT_TARGET_MS = 5
const IDLE_STREAMS = 1000
const ASSESSED_GROUPS = 200

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
  const baselineOptions = { dataDir, ...INGEST_BASELINE_OPTIONS }
  const baselines = printIngestBaselines(await benchIngestBaselines(baselineOptions), baselineOptions)
  printEffectWork(
    "1c. Effect work per ingest, counted (the same on a busy machine): the service vs the minimal HttpApi server",
    await benchEffectWork({ dataDir, ...EFFECT_WORK_OPTIONS }),
    EFFECT_WORK_OPTIONS
  )
  printFrameworkLadder(await benchFrameworkLadder(baselineOptions))

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

  const budget = await benchTokenBudget({ messages: 200, maxTokens: 16_000, iterations: 300, warmup: 30 })
  printTable(
    `2b. Token budget: the last ${budget.messages} messages fitted to ${count(budget.maxTokens)} tokens (o200k_base); kept ${budget.kept} messages, ${count(budget.tokens)} tokens`,
    ["step", "iterations", "p50", "p95", "vs raw read p50"],
    [
      [
        "fit, every message counted afresh",
        count(budget.counted.count),
        ms(budget.counted.p50),
        ms(budget.counted.p95),
        ratio(budget.counted.p50 / budget.rawRead.p50)
      ],
      [
        "fit, counts remembered by content hash",
        count(budget.remembered.count),
        ms(budget.remembered.p50),
        ms(budget.remembered.p95),
        ratio(budget.remembered.p50 / budget.rawRead.p50)
      ],
      [
        `raw indexed SQLite read of the ${budget.messages} messages`,
        count(budget.rawRead.count),
        ms(budget.rawRead.p50),
        ms(budget.rawRead.p95),
        ratio(1)
      ]
    ]
  )

  const ttft = await benchChatTtft({
    dataDir,
    levels: [
      { streams: 1, warmupRounds: 30, rounds: 300 },
      { streams: 50, warmupRounds: 2, rounds: 12 },
      { streams: 200, warmupRounds: 1, rounds: 3 }
    ]
  })
  const latencyRow = (server: string, streams: number, latency: LatencySummary) => [
    server,
    count(streams),
    count(latency.count),
    ms(latency.p50),
    ms(latency.p95),
    ms(latency.p99),
    ms(latency.max)
  ]
  printTable(
    "3. Chat streaming: GET /chat/stream, request to first text-delta event (real service in-process, SQLite, " +
      "offline model with no token delay, streams read to the end; client in a worker thread, one connection " +
      "per stream) vs a bare node:http SSE server writing one text-delta at once",
    ["server", "concurrent streams", "samples", "p50", "p95", "p99", "max"],
    ttft.flatMap((row) => [
      latencyRow("bare node:http SSE", row.streams, row.bare),
      latencyRow("service", row.streams, row.service)
    ])
  )
  const tails = ttft.map((row) => `${ms(row.serviceTail.p50)} at ${count(row.streams)}`).join(", ")
  console.log(`Service, first text-delta to end of stream (the rest of the reply), p50: ${tails} streams`)
  printTable(
    "Service-added time to first text-delta (service - bare)",
    ["concurrent streams", "added p50", "added p95", "service / bare p50", "service / bare p95"],
    ttft.map((row) => [
      count(row.streams),
      ms(row.service.p50 - row.bare.p50),
      ms(row.service.p95 - row.bare.p95),
      ratio(row.service.p50 / row.bare.p50),
      ratio(row.service.p95 / row.bare.p95)
    ])
  )
  const single = ttft.find((row) => row.streams === 1)
  const busiest = ttft[ttft.length - 1]
  if (single === undefined || busiest === undefined) throw new Error("no single-stream TTFT result")
  const addedP95 = single.service.p95 - single.bare.p95
  const targetMet = addedP95 < TTFT_TARGET_MS
  console.log(
    `Target (issue): the service adds < ${TTFT_TARGET_MS} ms at p95 for a single stream: ` +
      `${targetMet ? "MET" : "NOT MET"} (adds ${ms(addedP95)}: p95 ${ms(single.service.p95)} vs ${ms(single.bare.p95)} bare)`
  )

  const memory = await benchStreamMemory({
    dataDir,
    streams: IDLE_STREAMS,
    warmupStreams: 50,
    batch: 100,
    settleMs: 2000
  })
  const memoryRow = (server: string, m: MemoryMeasurement) => [
    server,
    count(m.streams),
    bytes(m.before.rss),
    bytes(m.open.rss),
    bytes(m.rssPerStream),
    bytes(m.before.heapUsed),
    bytes(m.open.heapUsed),
    bytes(m.heapPerStream),
    bytes(m.closed.heapUsed),
    m.stopped
  ]
  printTable(
    `4. Memory per open idle chat stream: ${count(IDLE_STREAMS)} streams held open, each on its own connection ` +
      "(service: node bootstrap/main.ts serve in a child process, model sleeping before its first word; " +
      "bare: node:http SSE server in a child process, one event written); heap after a full GC",
    [
      "server",
      "open streams",
      "RSS before",
      "RSS open",
      "RSS / stream",
      "heap before",
      "heap open",
      "heap / stream",
      "heap after close",
      "on SIGTERM"
    ],
    [memoryRow("bare node:http SSE", memory.bare), memoryRow("service", memory.service)]
  )
  const rssRatio = memory.service.rssPerStream / memory.bare.rssPerStream
  const heapRatio = memory.service.heapPerStream / memory.bare.heapPerStream
  console.log(`service / bare per open stream: RSS ${ratio(rssRatio)}, heap ${ratio(heapRatio)}`)

  const assessments = await benchAssessments({
    dataDir,
    ingests: 2000,
    warmup: 200,
    groups: ASSESSED_GROUPS,
    arrivalMs: 20,
    pollIntervals: [250, 20]
  })
  const { classified, unclassified } = assessments.ingest
  printTable(
    "5a. Classifier added time per ingested user message (in-process use cases, SQLite, offline classifier): " +
      "IngestMessage then ClassifyBoundary, as POST /messages/ingest runs them, vs recording the same message " +
      "without it, interleaved",
    ["path", "samples", "p50", "p95", "p99"],
    [
      [
        "ingest + classify (window, classifier, state commit)",
        count(classified.count),
        ms(classified.p50),
        ms(classified.p95),
        ms(classified.p99)
      ],
      [
        "ingest without classification (RecordTranscriptItem)",
        count(unclassified.count),
        ms(unclassified.p50),
        ms(unclassified.p95),
        ms(unclassified.p99)
      ]
    ]
  )
  const classifierAdded = classified.p50 - unclassified.p50
  console.log(
    `classification adds ${ms(classifierAdded)} at p50 (${ms(classified.p95 - unclassified.p95)} at p95): ` +
      `${ratio(classified.p50 / unclassified.p50)} the ingest alone`
  )
  printTable(
    `5b. Enqueue -> stored assessment, ${count(ASSESSED_GROUPS)} one-off groups closed 20 ms apart (offline ` +
      "classifier and assessor, SQLite, 2 workers; from the job's queuedAt to its completion) vs the offline " +
      "assessor alone on the same transcript",
    ["path", "samples", "p50", "p95", "max", "p95 / assessor p95"],
    [
      ...assessments.latency.map(({ pollMs, enqueueToStored }) => [
        `queue + worker, poll every ${pollMs} ms`,
        count(enqueueToStored.count),
        ms(enqueueToStored.p50),
        ms(enqueueToStored.p95),
        ms(enqueueToStored.max),
        ratio(enqueueToStored.p95 / assessments.assessorAlone.p95)
      ]),
      [
        "offline assessor alone",
        count(assessments.assessorAlone.count),
        ms(assessments.assessorAlone.p50),
        ms(assessments.assessorAlone.p95),
        ms(assessments.assessorAlone.max),
        ratio(1)
      ]
    ]
  )
  const defaultPoll = assessments.latency[0]
  if (defaultPoll === undefined) throw new Error("no assessment latency result")

  await benchBaselines(dataDir)

  const seconds = (performance.now() - started) / 1000
  console.log(
    `\nSummary: ingest ${perSecond(ingest.http.perSecond)} over HTTP (p50 ${ms(ingest.http.latency.p50)}) = ` +
      `${ratio(ingest.ratio)} of raw inserts (${perSecond(ingest.raw.perSecond)}); as a child process ` +
      `${perSecond(baselines.perSecond)} at ${ms(baselines.cpuMsPerRequest)} CPU per request ` +
      `(${ratio(baselines.cpuVsEffect)} the minimal Effect server's, ${ratio(baselines.cpuVsBare)} bare node:http's); ` +
      `lastN p50 ${ms(last.adapter.p50)} at ${count(last.size)} messages (${ratio(flatness)} its p50 at ` +
      `${count(first.size)}; ${ratio(last.adapter.p50 / last.raw.p50)} the raw query; read-all-then-slice ` +
      `${ratio(last.slice.p50 / last.adapter.p50)} slower); ` +
      `chat first text-delta p95 ${ms(single.service.p95)} for 1 stream (+${ms(addedP95)} over bare node:http, ` +
      `target < ${TTFT_TARGET_MS} ms ${targetMet ? "met" : "not met"}), p50 ${ms(busiest.service.p50)} at ` +
      `${count(busiest.streams)} streams (${ratio(busiest.service.p50 / busiest.bare.p50)} bare); an idle chat ` +
      `stream holds ${bytes(memory.service.rssPerStream)} RSS / ${bytes(memory.service.heapPerStream)} heap ` +
      `(${ratio(rssRatio)} / ${ratio(heapRatio)} a bare SSE response); ` +
      `classification adds ${ms(classifierAdded)} p50 to an ingest; assessment enqueue -> stored p50 ` +
      `${ms(defaultPoll.enqueueToStored.p50)} / p95 ${ms(defaultPoll.enqueueToStored.p95)} with the default ` +
      `${defaultPoll.pollMs} ms poll (product target with a real model: p95 < 8 s); ` +
      `${seconds.toFixed(1)} s total`
  )
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
