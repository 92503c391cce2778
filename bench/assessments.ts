/**
 * Assessments: (a) what classification adds to ingesting one user message — IngestMessage then
 * ClassifyBoundary, as POST /messages/ingest runs them, against recording the same message alone (RecordTranscriptItem, the
 * ingestion without classification), in one process on SQLite; (b) enqueue → stored assessment
 * latency over one-off groups with the offline models, read from the jobs (queued at → completed
 * at), next to the offline assessor's own time on the same transcripts.
 */
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, ManagedRuntime, Option } from "effect"
import { toTranscriptItem } from "../application/ingest-message.ts"
import { AssessmentQueue } from "../application/ports/assessment-queue.ts"
import { RecordTranscriptItem } from "../application/record-transcript-item.ts"
import { withSessionPersistence } from "../application/session-persistence.ts"
import { assessByHeuristics } from "../adapters/llm/offline/assessor.ts"
import { application, embeddedStores } from "../bootstrap/layers.ts"
import { COMMUNICATION_RUBRIC_V1 } from "../domain/assessment.ts"
import { type GroupId, SessionId, UserId } from "../domain/ids.ts"
import { ingestAndClassify } from "../test/support/ingest.ts"
import { userMessage } from "../test/support/items.ts"
import { type LatencySummary, summarize } from "./stats.ts"

export interface AssessmentBenchOptions {
  readonly dataDir: string
  readonly ingests: number
  readonly warmup: number
  readonly groups: number
  /** Pause between two groups' closing messages. */
  readonly arrivalMs: number
  readonly pollIntervals: ReadonlyArray<number>
}

export interface AssessmentBenchResult {
  readonly ingest: { readonly classified: LatencySummary; readonly unclassified: LatencySummary }
  readonly latency: ReadonlyArray<{ readonly pollMs: number; readonly enqueueToStored: LatencySummary }>
  readonly assessorAlone: LatencySummary
}

const processOn = (dataDir: string, env: Record<string, string>) =>
  ManagedRuntime.make(
    application(embeddedStores).pipe(
      Layer.provide(
        Layer.setConfigProvider(
          ConfigProvider.fromMap(new Map(Object.entries({ DATA_DIR: dataDir, ...env })))
        )
      ),
      Layer.provide(Logger.minimumLogLevel(LogLevel.None))
    )
  )

const BENCH_USER = UserId.make("bench")
const command = (session: string, id: string, text: string) =>
  userMessage(session, id, text, { userId: BENCH_USER })

const CHATTER = "I think the meeting went fine overall, nothing much to add."
const ONE_OFF = "Can you give me feedback on this opener: 'I need two more days to finish the report'?"

/** Ingest with and without classification, interleaved so that both see the same database size. */
const benchIngest = async (options: AssessmentBenchOptions) => {
  // Workers off: this measures the ingest path alone.
  const service = processOn(join(options.dataDir, "classifier"), { ASSESSMENT_WORKERS: "0" })
  try {
    const classified: Array<number> = []
    const unclassified: Array<number> = []
    const time = async (run: () => Promise<unknown>) => {
      const start = performance.now()
      await run()
      return performance.now() - start
    }
    for (let i = 0; i < options.warmup + options.ingests; i++) {
      const session = `bench-${i % 50}`
      const withClassification = await time(() =>
        service.runPromise(ingestAndClassify(command(session, `c-${i}`, CHATTER)))
      )
      const recordOnly = await time(() =>
        service.runPromise(
          Effect.flatMap(toTranscriptItem(command(session, `r-${i}`, CHATTER)), (item) =>
            RecordTranscriptItem(item, BENCH_USER, "append")
          ).pipe(withSessionPersistence(BENCH_USER, SessionId.make(session)))
        )
      )
      if (i >= options.warmup) {
        classified.push(withClassification)
        unclassified.push(recordOnly)
      }
    }
    return { classified: summarize(classified), unclassified: summarize(unclassified) }
  } finally {
    await service.dispose()
  }
}

/** One-off groups arriving every `arrivalMs`; latency from each job's queuedAt to its completion. */
const benchLatency = async (options: AssessmentBenchOptions, pollMs: number) => {
  const service = processOn(join(options.dataDir, `latency-${pollMs}`), {
    ASSESSMENT_POLL_MS: String(pollMs)
  })
  try {
    const groups: Array<GroupId> = []
    for (let i = 0; i < options.groups; i++) {
      const outcome = await service.runPromise(ingestAndClassify(command(`group-${i}`, `g-${i}`, ONE_OFF)))
      groups.push(Option.getOrThrow(Option.flatMap(outcome.classification, (c) => c.groupId)))
      await new Promise((resolve) => setTimeout(resolve, options.arrivalMs))
    }
    const deadline = Date.now() + 60_000
    for (;;) {
      const jobs = await service.runPromise(
        Effect.forEach(groups, (group) => Effect.flatMap(AssessmentQueue, (queue) => queue.job(group)))
      )
      const done = jobs.flatMap((job) => Option.toArray(job)).filter((job) => job.status === "completed")
      if (done.length === groups.length) return summarize(done.map((job) => job.updatedAt - job.queuedAt))
      if (Date.now() > deadline)
        throw new Error(`${groups.length - done.length} assessments not completed in 60 s`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    await service.dispose()
  }
}

const assessorAlone = (iterations: number) => {
  const request = {
    systemPrompt: "",
    rubric: COMMUNICATION_RUBRIC_V1,
    transcript: [{ role: "user" as const, text: ONE_OFF }],
    providerMayStore: true,
    requestId: "bench"
  }
  const samples: Array<number> = []
  for (let i = 0; i < iterations; i++) {
    const start = performance.now()
    assessByHeuristics(request)
    samples.push(performance.now() - start)
  }
  return summarize(samples)
}

export const benchAssessments = async (options: AssessmentBenchOptions): Promise<AssessmentBenchResult> => {
  const ingest = await benchIngest(options)
  const latency = []
  for (const pollMs of options.pollIntervals)
    latency.push({ pollMs, enqueueToStored: await benchLatency(options, pollMs) })
  return { ingest, latency, assessorAlone: assessorAlone(options.groups) }
}
