import { Clock, Config, Context, Data, Duration, Effect, Either, Layer, Option } from "effect"
import {
  checkDraft,
  COMMUNICATION_RUBRIC_V1,
  groupTranscript,
  type AssessmentResult,
  type Rubric
} from "../domain/assessment.ts"
import { ModelFailed } from "../domain/errors.ts"
import type { MessageId, SessionId } from "../domain/ids.ts"
import { MAX_CONTEXT_LIMIT } from "../domain/context-window.ts"
import type { TranscriptItem, TranscriptPosition } from "../domain/transcript.ts"
import { duration, nonNegativeInteger, positiveInteger, stringOr } from "./config-values.ts"
import type { ClaimedJob, Completion } from "./ports/assessment-queue.ts"
import { AssessmentMemory } from "./ports/assessment-memory.ts"
import { Assessor } from "./ports/assessor.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { annotateSpan, spanWhenTraced } from "./traced.ts"

export const DEFAULT_ASSESSMENT_SYSTEM_PROMPT =
  "You assess one finished practice interaction of a communication-coaching session against the rubric given. " +
  "Score each criterion from 1 (absent) to 5 (excellent) on what the user actually wrote, justify each score " +
  "in one or two sentences that point at the user's own words, summarise the interaction in two or three " +
  "sentences, and give one concrete next step the user can try in their next conversation."

/** What `AssessmentSettings.layerConfig` reads. */
export const config = Config.all({
  systemPrompt: stringOr("ASSESSMENT_SYSTEM_PROMPT", DEFAULT_ASSESSMENT_SYSTEM_PROMPT),
  timeout: duration("ASSESSMENT_TIMEOUT_MS", 30_000),
  maxAttempts: positiveInteger("ASSESSMENT_MAX_ATTEMPTS", 5),
  retryBase: duration("ASSESSMENT_RETRY_BASE_MS", 2_000),
  pollInterval: duration("ASSESSMENT_POLL_MS", 250),
  workers: nonNegativeInteger("ASSESSMENT_WORKERS", 2)
})

/** What the assessment worker reads. */
export class AssessmentSettings extends Context.Tag("coachup/AssessmentSettings")<
  AssessmentSettings,
  {
    readonly systemPrompt: string
    readonly rubric: Rubric
    /** One assessor call fails after this long. */
    readonly timeout: Duration.Duration
    /** A claimed job is another worker's to take after this long; longer than `timeout`. */
    readonly lease: Duration.Duration
    readonly maxAttempts: number
    /** The first retry waits this long, doubling up to `retryCap`. */
    readonly retryBase: Duration.Duration
    readonly retryCap: Duration.Duration
    /** An idle worker looks for due jobs this often. */
    readonly pollInterval: Duration.Duration
    /** Workers in this process (0: the process runs none). */
    readonly workers: number
    /** Names this process's workers in the jobs they hold (host and pid). */
    readonly workerId: string
  }
>() {
  /** The `ASSESSMENT_*` variables; `workerId` names this process (host and pid). */
  static readonly layerConfig = (workerId: string) =>
    Layer.effect(
      AssessmentSettings,
      Effect.map(config, (values) =>
        AssessmentSettings.of({
          ...values,
          rubric: COMMUNICATION_RUBRIC_V1,
          // Longer than the assessor may take, with room for the store reads around it; a worker that
          // still overruns it loses the job, and its late answer is refused (fenced by attempt).
          lease: Duration.sum(Duration.times(values.timeout, 2), Duration.seconds(1)),
          retryCap: Duration.minutes(5),
          workerId
        })
      )
    )
}

/** Why an attempt failed, and whether another attempt can help. */
class AssessmentFailed extends Data.TaggedError("AssessmentFailed")<{
  readonly reason: string
  readonly retryable: boolean
}> {}

/** Stored transcripts are read a page at a time, up to this many items, to find a group's span. */
const PAGE = 200
const MAX_ITEMS = 5_000

/**
 * The end of the session's stored transcript back to the group's first message, in transcript
 * order: read newest first, a page at a time, until every member is seen (or `MAX_ITEMS`). Groups
 * are assessed soon after they close, so this usually reads one page, however long the session.
 */
const storedSpan = (sessionId: SessionId, members: ReadonlyArray<MessageId>) =>
  Effect.gen(function* () {
    const store = yield* TranscriptStore
    const remaining = new Set<string>(members)
    const newestFirst: Array<TranscriptItem> = []
    let after = Option.none<TranscriptPosition>()
    for (;;) {
      const page = yield* store.page(sessionId, { order: "desc", limit: PAGE, after })
      for (const item of page.items) {
        newestFirst.push(item)
        remaining.delete(item.messageId)
      }
      if (remaining.size === 0 || Option.isNone(page.next) || newestFirst.length >= MAX_ITEMS) {
        return { items: newestFirst.reverse(), complete: remaining.size === 0 }
      }
      after = page.next
    }
  })

/**
 * Scores one interaction group: reads its transcript — from the store, or from this process's
 * memory for a session whose text is not stored — asks the assessor, checks the answer against the
 * rubric, and says where the result goes: the queue's row, or (text not stored) this process's
 * memory only.
 */
export const AssessInteraction = Effect.fnUntraced(function* (job: ClaimedJob) {
  const settings = yield* AssessmentSettings
  const begunAt = yield* Clock.currentTimeMillis
  const interactions = yield* InteractionStore
  const members = yield* interactions.groupMessages(job.groupId)
  if (members.length === 0) {
    return yield* new AssessmentFailed({ reason: "the group has no classified messages", retryable: false })
  }
  const finished = (items: ReadonlyArray<TranscriptItem>) =>
    groupTranscript(items, members).filter((item) => item.status !== "in_progress")
  const span = yield* storedSpan(job.sessionId, members)
  if (
    !span.complete &&
    (yield* Effect.flatMap(TranscriptOutbox, (outbox) =>
      // An outbox that cannot answer may hold them: retried rather than scored on half.
      Effect.orElseSucceed(outbox.holds(job.sessionId), () => true)
    ))
  ) {
    // The store was down when some of these messages came: they wait in the outbox. Scoring the part
    // stored so far would store a result of half an interaction.
    return yield* new AssessmentFailed({
      reason: "transcript not stored yet (outbox)",
      retryable: true
    })
  }
  const stored = finished(span.items)
  const source = stored.length > 0 ? ("store" as const) : ("memory" as const)
  const transcript =
    source === "store"
      ? stored
      : finished(
          yield* Effect.flatMap(SessionMemory, (memory) => memory.lastN(job.sessionId, MAX_CONTEXT_LIMIT))
        )
  if (transcript.length === 0) {
    // An opted-out session's text lives only in the memory of the process that served it: another
    // worker (another instance, a separate `worker` process) may hold it, or an outbox elsewhere may
    // still deliver it. Retried, within the attempts, before the job fails for good.
    return yield* new AssessmentFailed({ reason: "transcript_unavailable", retryable: true })
  }

  const assessor = yield* Assessor
  const started = yield* Clock.currentTimeMillis
  const draft = yield* assessor
    .assess({
      systemPrompt: settings.systemPrompt,
      rubric: settings.rubric,
      transcript: transcript.map(({ role, text }) => ({ role, text })),
      providerMayStore: source === "store",
      requestId: Option.getOrElse(job.requestId, () => `assessment-${job.groupId}`)
    })
    .pipe(
      Effect.timeoutFail({
        duration: settings.timeout,
        onTimeout: () =>
          new ModelFailed({ reason: "timeout", message: "the assessor did not answer in time" })
      }),
      Effect.mapError(
        (error) =>
          new AssessmentFailed({
            reason: `${error.reason}: ${error.message}`,
            retryable: error.reason !== "rejected"
          })
      )
    )
  const scores = checkDraft(settings.rubric, draft)
  if (Either.isLeft(scores)) {
    return yield* new AssessmentFailed({ reason: `protocol: ${scores.left}`, retryable: true })
  }
  const result: AssessmentResult = {
    rubricVersion: settings.rubric.version,
    assessor: assessor.name,
    heuristic: assessor.heuristic,
    latencyMs: (yield* Clock.currentTimeMillis) - started,
    scores: scores.right,
    summary: draft.summary,
    nextStep: draft.nextStep
  }
  yield* annotateSpan({ source, messages: transcript.length, assessor: assessor.name })
  if (source === "store") return { location: "store", result } satisfies Completion
  // A session deleted while it was assessed stays deleted: its result is not put back.
  if (yield* Effect.flatMap(SessionMemory, (memory) => memory.deletedSince(job.sessionId, begunAt))) {
    return yield* new AssessmentFailed({ reason: "session deleted", retryable: false })
  }
  yield* Effect.flatMap(AssessmentMemory, (memory) => memory.put(job.groupId, job.sessionId, result))
  return { location: "memory" } satisfies Completion
}, spanWhenTraced("AssessInteraction"))
