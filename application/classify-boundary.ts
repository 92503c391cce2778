import { Array, Clock, Duration, Effect, Either, Layer, Metric, Option, Schedule } from "effect"
import { type BoundaryDecision, FALLBACK_CLASSIFICATION } from "../domain/boundary.ts"
import { MessageConflict, ModelFailed } from "../domain/errors.ts"
import { GroupId, type MessageId, type SessionId, type UserId } from "../domain/ids.ts"
import { expireIdle, type GroupEffect, transition } from "../domain/interaction-group.ts"
import type { PromptMessage } from "../domain/prompt-composition.ts"
import { BuildContext } from "./build-context.ts"
import { ConversationSettings } from "./conversation-settings.ts"
import {
  assessmentJobsTotal,
  classifierConfidence,
  classifierDecisionsTotal,
  classifierFailuresTotal
} from "./metrics.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { IdGenerator } from "./ports/id-generator.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { InteractionStore, type MessageClassification } from "./ports/interaction-store.ts"
import { forkPeriodic } from "./periodic.ts"
import { SessionSequencer } from "./session-sequencer.ts"
import { type PersistencePolicy, resolvePersistencePolicy } from "./resolve-persistence.ts"

export interface ClassifyCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly messageId: MessageId
  /** The message itself: the window ends with it, whatever the store holds yet. */
  readonly message: PromptMessage
  readonly requestId: string
  /** When the message arrived: a session deleted since then stays deleted, however late this runs. */
  readonly receivedAt: number
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

/** The committed effects' assessment requests: each queued one job in the commit's transaction. */
const countQueuedAssessments = (...effects: ReadonlyArray<ReadonlyArray<GroupEffect>>) =>
  Metric.incrementBy(
    Metric.tagged(assessmentJobsTotal, "outcome", "queued"),
    effects.flat().filter((effect) => effect._tag === "AssessmentRequested").length
  )

/** The session moved on between reading its state and committing: read again and retry. */
class StaleInteraction {
  readonly _tag = "StaleInteraction"
}

/**
 * Classifies one user message with the last CLASSIFIER_CONTEXT_LIMIT messages of its session and
 * CLASSIFIER_SYSTEM_PROMPT, then moves the session's interaction state. Idempotent: a message
 * already classified gets its stored answer and changes nothing. A failed or malformed classifier
 * answer is counted, logged and taken as `ignore`. A session's messages are classified one at a
 * time, in the order they arrived (`SessionSequencer`).
 */
export const ClassifyBoundary = Effect.fn("ClassifyBoundary")(function* (
  command: ClassifyCommand,
  resolved?: PersistencePolicy
) {
  const sequencer = yield* SessionSequencer
  return yield* sequencer.run(command.sessionId, classifyInOrder(command, resolved))
})

const classifyInOrder = (command: ClassifyCommand, resolved?: PersistencePolicy) =>
  Effect.gen(function* () {
    const store = yield* InteractionStore
    const settings = yield* ConversationSettings
    const previous = yield* store.classificationOf(command.messageId)
    if (Option.isSome(previous)) {
      // A messageId classified in another session is not this message (ingest answers 409 for it).
      if (previous.value.sessionId !== command.sessionId) {
        return yield* new MessageConflict({ messageId: command.messageId, reason: "different_session" })
      }
      return fromRecord(previous.value)
    }

    const policy = resolved ?? (yield* resolvePersistencePolicy(command.userId, command.sessionId))
    const window = yield* BuildContext("classifier", command.sessionId, command.userId, policy)
    const messages = Array.takeRight(
      [
        ...window.messages
          .filter((message) => message.messageId !== command.messageId)
          .map(({ role, text }) => ({ role, text })),
        command.message
      ],
      window.limit
    )
    const current = yield* store.interaction(command.sessionId)
    const now = yield* Clock.currentTimeMillis
    const interactionOpen = Option.isSome(
      expireIdle(current.state, now, Duration.toMillis(settings.interactionIdleTimeout)).state.open
    )
    const classifier = yield* BoundaryClassifier
    const { classification, fallback } = yield* classifier
      .classify({
        systemPrompt: window.systemPrompt,
        messages,
        interactionOpen,
        providerMayStore: Either.isRight(policy) && policy.right.persist,
        requestId: command.requestId
      })
      .pipe(
        Effect.timeoutFail({
          duration: settings.classifierTimeout,
          onTimeout: () =>
            new ModelFailed({ reason: "timeout", message: "the classifier did not answer in time" })
        }),
        Effect.map((classification) => ({ classification, fallback: false })),
        Effect.catchAll((error) =>
          Metric.increment(Metric.tagged(classifierFailuresTotal, "reason", error.reason)).pipe(
            Effect.zipRight(
              Effect.logWarning("classifier failed; message taken as ignore").pipe(
                Effect.annotateLogs({ classifier: classifier.name, reason: error.reason })
              )
            ),
            Effect.as({ classification: FALLBACK_CLASSIFICATION, fallback: true })
          )
        )
      )
    yield* Metric.increment(Metric.tagged(classifierDecisionsTotal, "decision", classification.decision))
    yield* Metric.update(classifierConfidence, classification.confidence)
    yield* Effect.annotateCurrentSpan({
      decision: classification.decision,
      confidence: classification.confidence
    })

    const ids = yield* IdGenerator
    const memory = yield* SessionMemory
    const commit = Effect.gen(function* () {
      const { state, version } = yield* store.interaction(command.sessionId)
      const at = yield* Clock.currentTimeMillis
      const idle = expireIdle(state, at, Duration.toMillis(settings.interactionIdleTimeout))
      const moved = transition(idle.state, {
        classification,
        at,
        newGroupId: GroupId.make(yield* ids.next),
        minConfidence: settings.classifierMinConfidence
      })
      const record: MessageClassification = {
        messageId: command.messageId,
        sessionId: command.sessionId,
        decision: classification.decision,
        applied: moved.applied,
        confidence: classification.confidence,
        groupId: moved.groupId,
        at
      }
      if (yield* memory.deletedSince(command.sessionId, command.receivedAt))
        return fromRecord(record, fallback)
      const result = yield* store.commit({
        sessionId: command.sessionId,
        expectedVersion: version,
        state: moved.state,
        classification: Option.some(record),
        effects: [...idle.effects, ...moved.effects],
        at,
        requestId: Option.some(command.requestId)
      })
      if (result === "stale") return yield* Effect.fail(new StaleInteraction())
      if (result === "committed") yield* countQueuedAssessments(idle.effects, moved.effects)
      if (result === "duplicate") {
        return yield* Effect.map(store.classificationOf(command.messageId), (stored) =>
          fromRecord(Option.getOrElse(stored, () => record))
        )
      }
      return fromRecord(record, fallback)
    })
    return yield* commit.pipe(
      // Concurrent messages of one session contend for its state: back off with jitter.
      Effect.retry({
        while: (error) => error instanceof StaleInteraction,
        schedule: Schedule.exponential("5 millis").pipe(
          Schedule.jittered,
          Schedule.intersect(Schedule.recurs(10))
        )
      }),
      Effect.catchIf(
        (error): error is StaleInteraction => error instanceof StaleInteraction,
        () => Effect.dieMessage("interaction state kept changing under one message")
      ),
      Effect.map((outcome): ClassificationOutcome => ({ ...outcome, contextMessages: messages.length }))
    )
  })

/** Closes (and asks to assess) open interactions idle past their timeout, every minute. */
export const SweepIdleInteractions = Effect.fn("SweepIdleInteractions")(function* () {
  const store = yield* InteractionStore
  const settings = yield* ConversationSettings
  const now = yield* Clock.currentTimeMillis
  const timeout = Duration.toMillis(settings.interactionIdleTimeout)
  let closed = 0
  for (const sessionId of yield* store.idleSessions(now - timeout)) {
    const closeOne = Effect.gen(function* () {
      const { state, version } = yield* store.interaction(sessionId)
      const expired = expireIdle(state, now, timeout)
      if (expired.effects.length === 0) return false
      const result = yield* store.commit({
        sessionId,
        expectedVersion: version,
        state: expired.state,
        classification: Option.none(),
        effects: expired.effects,
        at: now,
        requestId: Option.none()
      })
      if (result === "committed") yield* countQueuedAssessments(expired.effects)
      return result === "committed"
    })
    // One session the store fails on does not stop the others; the next round retries it.
    if (yield* closeOne.pipe(Effect.catchAll(() => Effect.succeed(false)))) closed++
  }
  if (closed > 0) yield* Effect.logInfo("idle interactions closed").pipe(Effect.annotateLogs({ closed }))
  return closed
})

/** Runs the idle sweep every minute for the life of the layer; a failed sweep is retried next time. */
export const layerIdleInteractionSweep = Layer.scopedDiscard(
  forkPeriodic(SweepIdleInteractions(), Duration.minutes(1), "idle interaction sweep failed")
)
