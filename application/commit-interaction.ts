import { Clock, Config, Context, Data, Duration, Effect, Layer, Option, Schedule } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { expireIdle, type SessionInteraction, type Transition } from "../domain/interaction-group.ts"
import { duration } from "./config-values.ts"
import { assessmentJobsBy, updateMetric } from "./metrics.ts"
import {
  InteractionStore,
  type MessageClassification,
  type OutOfOrder,
  type VersionedInteraction
} from "./ports/interaction-store.ts"
import { SessionMemory } from "./ports/session-memory.ts"

/** What `InteractionSettings.layerConfig` reads. */
export const config = Config.all({ idleTimeout: duration("INTERACTION_IDLE_MINUTES", 30, "minutes") })

/** How long an interaction stays open without a message. */
export class InteractionSettings extends Context.Tag("coachup/InteractionSettings")<
  InteractionSettings,
  {
    /** An open interaction with no message for this long closes and is assessed. */
    readonly idleTimeout: Duration.Duration
  }
>() {
  static readonly layerConfig = Layer.effect(InteractionSettings, config)
}

/** The session moved on between reading its state and committing: read again and retry. */
export class StaleInteraction extends Data.TaggedError("StaleInteraction") {}

/** What one commit changes: the step's transition, and the message it classifies, if any. */
export interface InteractionChange {
  readonly transition: Transition
  readonly classification: Option.Option<MessageClassification>
}

/**
 * A change to a session's interaction, as a pure function of its state (idle groups already closed)
 * and the time of the commit. It may run more than once: once per read of the state.
 */
export type InteractionStep = (state: SessionInteraction, at: number) => InteractionChange

/**
 * What a commit did: `unchanged` when there was nothing to write, `deleted` when the session was
 * deleted since the work began (nothing is written back), `moved` when the session moved past the
 * version its step was judged on (`CommitOptions.judged`), else the store's answer (`OutOfOrder`:
 * the classification must wait for the message before it).
 */
export interface CommittedChange extends InteractionChange {
  readonly result: "committed" | "duplicate" | "unchanged" | "deleted" | "moved" | OutOfOrder
  readonly at: number
}

/** How a classification's commit is checked. */
export interface CommitOptions {
  /** Applied without waiting for the message before it (the wait for it ran out). */
  readonly skipsPredecessor?: boolean
  /**
   * The session's state and version that the step's judgement was made on (the classifier saw that
   * state). The first try commits on that state rather than read it again; should it be stale, the
   * store refuses the commit and the retry reads it afresh. Once the session has moved past that
   * version, nothing is written and the answer is `moved`.
   */
  readonly judged?: VersionedInteraction
}

/** The session's state as read at `version`, with the groups idle past INTERACTION_IDLE_MINUTES closed now. */
const asOfNow = Effect.fnUntraced(function* (state: SessionInteraction, version: number) {
  const { idleTimeout } = yield* InteractionSettings
  const at = yield* Clock.currentTimeMillis
  const idle = expireIdle(state, at, Duration.toMillis(idleTimeout))
  return { state, idle, version, at }
})

/** The session's state now, with the groups idle past INTERACTION_IDLE_MINUTES closed. */
export const currentInteraction = Effect.fnUntraced(function* (sessionId: SessionId) {
  const { state, version } = yield* (yield* InteractionStore).interaction(sessionId)
  return yield* asOfNow(state, version)
})

const commitOnce = Effect.fnUntraced(function* (
  sessionId: SessionId,
  since: number,
  step: InteractionStep,
  requestId: Option.Option<string>,
  options: CommitOptions,
  afresh: boolean
) {
  const store = yield* InteractionStore
  const memory = yield* SessionMemory
  const { judged } = options
  const { idle, version, at } =
    judged !== undefined && !afresh
      ? yield* asOfNow(judged.state, judged.version)
      : yield* currentInteraction(sessionId)
  const change = step(idle.state, at)
  const effects = [...idle.effects, ...change.transition.effects]
  const done = (result: CommittedChange["result"]): CommittedChange => ({ ...change, result, at })
  if (judged !== undefined && version !== judged.version) return done("moved")
  if (effects.length === 0 && Option.isNone(change.classification)) return done("unchanged")
  if (yield* memory.deletedSince(sessionId, since)) return done("deleted")
  const result = yield* store.commit({
    sessionId,
    expectedVersion: version,
    state: change.transition.state,
    classification: change.classification,
    effects,
    at,
    requestId,
    begunAt: since,
    ...(options.skipsPredecessor === true ? { skipsPredecessor: true } : {})
  })
  if (result === "stale") return yield* new StaleInteraction()
  if (result === "committed") {
    // Each assessment request queued one job in the commit's transaction.
    const queued = effects.filter((effect) => effect._tag === "AssessmentRequested").length
    yield* updateMetric(assessmentJobsBy("queued"), queued)
  }
  return done(result)
})

/**
 * Reads the session's interaction (the first try takes the state a judgement was made on, when given),
 * closes idle groups, applies `step` and commits the result atomically against the version read. A
 * stale commit (the session moved on) is read and applied again, at once after a stale judged state,
 * then with jittered backoff, up to ten times; after that it fails with `StaleInteraction`.
 * `since`: when the work began, so that a session deleted since then stays deleted.
 */
export const commitInteraction = (
  sessionId: SessionId,
  since: number,
  step: InteractionStep,
  requestId: Option.Option<string>,
  options: CommitOptions = {}
) => {
  const readingAfresh = commitOnce(sessionId, since, step, requestId, options, true).pipe(
    // Concurrent messages of one session contend for its state: back off with jitter.
    Effect.retry({
      while: (error) => error._tag === "StaleInteraction",
      schedule: Schedule.exponential("5 millis").pipe(
        Schedule.jittered,
        Schedule.intersect(Schedule.recurs(10))
      )
    })
  )
  // The state judged on serves the first try only. Refused as stale, the session moved on since the
  // judgement: read afresh at once (which answers `moved`), with no backoff.
  return options.judged === undefined
    ? readingAfresh
    : commitOnce(sessionId, since, step, requestId, options, false).pipe(
        Effect.catchTag("StaleInteraction", () => readingAfresh)
      )
}
