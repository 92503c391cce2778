import { Cause, Clock, Context, Duration, Effect, Option } from "effect"
import type { BoundaryDecision } from "../domain/boundary.ts"
import { GroupId, type MessageId, type SessionId } from "../domain/ids.ts"
import { type Transition, transition } from "../domain/interaction-group.ts"
import { askClassifier, type ClassifierQuestion, ClassifierSettings } from "./ask-classifier.ts"
import { commitInteraction } from "./commit-interaction.ts"
import { type HashedIds, hashedIds } from "./hashed-id.ts"
import { type LogEvent, logEvent } from "./log-line.ts"
import type { IngestCommand, IngestOutcome } from "./ingest-message.ts"
import { classificationOrderWaitsBy, updateMetric } from "./metrics.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { InteractionStore, type MessageClassification, type OutOfOrder } from "./ports/interaction-store.ts"
import type { RecordOutcome } from "./record-transcript-item.ts"
import { SessionSequencer } from "./session-sequencer.ts"
import { spanWhenTraced } from "./traced.ts"

export interface ClassifyCommand extends ClassifierQuestion {
  /** When the message arrived: a session deleted since then stays deleted, however late this runs. */
  readonly receivedAt: number
  /**
   * The durable store took the message as new for the work that asks (persisted, not a repeat), so
   * its classification is not looked for before the classifier is asked: a hint, not a guarantee.
   * Should one exist all the same (the same message stored and classified by another process in the
   * same moment), the commit answers `duplicate` and the stored classification is the answer.
   */
  readonly fresh?: boolean
}

/** What a user message did: the classifier's decision, the one acted on, and its group. */
export interface ClassificationOutcome {
  readonly decision: BoundaryDecision
  readonly applied: BoundaryDecision
  readonly confidence: number
  readonly groupId: Option.Option<GroupId>
  /** The classifier failed or answered malformed, and the message was taken as `ignore`. */
  readonly fallback: boolean
  /** Messages in the classifier's window, when this call classified the message. */
  readonly contextMessages?: number
}

const fromRecord = (record: MessageClassification, fallback = false): ClassificationOutcome => ({
  decision: record.decision,
  applied: record.applied,
  confidence: record.confidence,
  groupId: record.groupId,
  fallback
})

/** The classification of a message as ingested, which arrived at `receivedAt`; `fresh`: see `ClassifyCommand`. */
export const classifyCommandOf = (
  command: IngestCommand,
  receivedAt: number,
  fresh = false
): ClassifyCommand => ({
  sessionId: command.sessionId,
  messageId: command.messageId,
  message: { role: command.role, text: command.text },
  requestId: command.requestId ?? "",
  receivedAt,
  fresh
})

/**
 * Classifies one user message with the last CLASSIFIER_CONTEXT_LIMIT messages of its session and
 * CLASSIFIER_SYSTEM_PROMPT, then moves the session's interaction state. Idempotent: a message
 * already classified gets its stored answer and changes nothing. A failed or malformed classifier
 * answer is counted, logged and taken as `ignore`. A session's messages are classified in the
 * order the store took them, whichever process runs them (`classifyInStoreOrder`), and one at a
 * time within a process (`SessionSequencer`). Its outcome is logged either way.
 */
export const ClassifyBoundary = Effect.fnUntraced(
  function* (command: ClassifyCommand) {
    const startedAt = yield* Clock.currentTimeMillis
    const outcome = yield* classifyInStoreOrder(command, startedAt)
    const durationMs = (yield* Clock.currentTimeMillis) - startedAt
    yield* logEvent("message classified", "classification", classificationEvent(command, outcome, durationMs))
    return outcome
  },
  Effect.tapErrorCause((cause) =>
    Effect.logWarning("message not classified").pipe(Effect.annotateLogs({ cause: Cause.pretty(cause) }))
  ),
  spanWhenTraced("ClassifyBoundary")
)

/**
 * Whether the durable store itself took the message as new. A repeat answered from the outbox or from
 * session memory (queued, or kept in memory only) may be a message another process, or this one
 * before a restart, stored and classified: its classification is looked for.
 */
export const storedAsNew = (ingested: RecordOutcome) => ingested.persisted && !ingested.duplicate

/**
 * Classifies a message just ingested, before its caller answers (`POST /messages/ingest`, the
 * evaluation replay): user messages only. A failed classification is answered as none: the message
 * is recorded, and ingesting it again classifies it.
 */
export const classifyInline = (command: IngestCommand, ingested: IngestOutcome) =>
  command.role !== "user"
    ? Effect.succeedNone
    : ClassifyBoundary(classifyCommandOf(command, ingested.receivedAt, storedAsNew(ingested))).pipe(
        Effect.map(Option.some),
        Effect.catchAllCause(() => Effect.succeedNone)
      )

/** One try at a classification: its outcome, or the store's refusal to apply it before the message before it. */
type Attempt =
  | { readonly _tag: "Classified"; readonly outcome: ClassificationOutcome }
  | { readonly _tag: "Waiting"; readonly refusal: OutOfOrder }
const classified = (outcome: ClassificationOutcome): Attempt => ({ _tag: "Classified", outcome })

/** How many times the session may move on under one message before its classification gives up. */
const MAX_JUDGEMENTS = 10
const keptChanging = Effect.dieMessage("interaction state kept changing under one message")

/**
 * The classification, applied after the session's previous user message in the store's order. When
 * the store says that one is not classified yet (another process is on it), this waits for it,
 * outside the session's in-process turn, and classifies again. A predecessor not classified
 * CLASSIFICATION_ORDER_WAIT_MS after the earlier of the two arrived (its process died, its
 * classification failed, or nobody asked for it: a chat turn that failed before its first text) is
 * given up: the message is classified without it, counted and logged, as one process goes on after a
 * classification that failed.
 */
const classifyInStoreOrder = Effect.fnUntraced(function* (command: ClassifyCommand, startedAt: number) {
  const sequencer = yield* SessionSequencer
  const { orderWait } = yield* ClassifierSettings
  let attempt = yield* sequencer.run(command.sessionId, classifyOnce(command, false, command.fresh === true))
  while (attempt._tag === "Waiting") {
    const { refusal } = attempt
    const until = Math.min(startedAt, refusal.predecessorAcceptedAt) + Duration.toMillis(orderWait)
    const arrived = yield* awaitClassification(command.sessionId, refusal.predecessor, until)
    yield* updateMetric(classificationOrderWaitsBy(arrived ? "arrived" : "skipped"), 1)
    if (!arrived)
      yield* Effect.logWarning("message classified without the message before it").pipe(
        Effect.annotateLogs({ waitedMs: (yield* Clock.currentTimeMillis) - startedAt })
      )
    attempt = yield* sequencer.run(command.sessionId, classifyOnce(command, !arrived, false))
  }
  return attempt.outcome
})

/** Polls the message's classification with a growing pause, up to `until` (ms since epoch): answers whether it came. */
const awaitClassification = Effect.fnUntraced(function* (
  sessionId: SessionId,
  messageId: MessageId,
  until: number
) {
  const store = yield* InteractionStore
  for (let pauseMs = 10; ; pauseMs = Math.min(pauseMs * 2, 200)) {
    if (Option.isSome(yield* store.classificationOf(sessionId, messageId))) return true
    const now = yield* Clock.currentTimeMillis
    if (now >= until) return false
    yield* Effect.sleep(Math.min(pauseMs, until - now))
  }
})

/**
 * Asks the classifier and commits its transition, on the state the classifier saw: when the session
 * moved on meanwhile (the message before it was classified, by another process), the classifier is
 * asked again, since the open interaction it was told of may have changed.
 */
const classifyOnce = Effect.fnUntraced(function* (
  command: ClassifyCommand,
  skipsPredecessor: boolean,
  fresh: boolean
) {
  const store = yield* InteractionStore
  const settings = yield* ClassifierSettings
  for (let judgements = 1; ; judgements++) {
    if (!fresh || judgements > 1) {
      const previous = yield* store.classificationOf(command.sessionId, command.messageId)
      if (Option.isSome(previous)) return classified(fromRecord(previous.value))
    }

    const { classification, fallback, contextMessages, judged } = yield* askClassifier(command)
    // Unused unless the message opens a group; a commit that did not land used none.
    const newGroupId = GroupId.make(yield* (yield* IdGenerator).next)
    const recordOf = (moved: Transition, at: number): MessageClassification => ({
      messageId: command.messageId,
      sessionId: command.sessionId,
      decision: classification.decision,
      applied: moved.applied,
      confidence: classification.confidence,
      groupId: moved.groupId,
      at
    })
    const committed = yield* commitInteraction(
      command.sessionId,
      command.receivedAt,
      (state, at) => {
        const moved = transition(state, {
          classification,
          at,
          newGroupId,
          minConfidence: settings.minConfidence
        })
        return { transition: moved, classification: Option.some(recordOf(moved, at)) }
      },
      Option.some(command.requestId),
      { skipsPredecessor, judged }
    ).pipe(Effect.catchTag("StaleInteraction", () => keptChanging))
    if (committed.result === "moved") {
      if (judgements === MAX_JUDGEMENTS) return yield* keptChanging
      continue
    }
    if (typeof committed.result !== "string")
      return { _tag: "Waiting", refusal: committed.result } satisfies Attempt
    const record = recordOf(committed.transition, committed.at)
    const outcome =
      committed.result === "duplicate"
        ? fromRecord(
            Option.getOrElse(
              yield* store.classificationOf(command.sessionId, command.messageId),
              () => record
            )
          )
        : fromRecord(record, fallback)
    return classified({ ...outcome, contextMessages })
  }
})

/** A classification as its unit of work's log line tells it: ids hashed, never the message's text. */
const classificationEvent = (command: ClassifyCommand, outcome: ClassificationOutcome, durationMs: number) =>
  Effect.contextWith((context: Context.Context<HashedIds | BoundaryClassifier>): LogEvent => {
    const hashed = Context.get(context, hashedIds)
    const classifier = Context.get(context, BoundaryClassifier)
    return {
      ids: {
        requestId: command.requestId === "" ? "none" : command.requestId,
        session: hashed(command.sessionId)
      },
      fields: {
        classifier: classifier.name,
        decision: outcome.decision,
        applied: outcome.applied,
        confidence: outcome.confidence,
        fallback: outcome.fallback,
        contextMessages: outcome.contextMessages ?? -1,
        durationMs
      }
    }
  })
