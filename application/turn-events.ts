import {
  Cause,
  Chunk,
  Clock,
  Config,
  Context,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Ref,
  type Scope,
  type Stream,
  Tracer
} from "effect"
import { ModelFailed } from "../domain/errors.ts"
import {
  advanceAll,
  type ChatEvent,
  type EndedTurn,
  startTurn,
  TurnEvent,
  type TurnState,
  type TurnSteps
} from "./chat-turn.ts"
import type { ChatModelEvent } from "./ports/chat-model.ts"
import { duration } from "./config-values.ts"
import type { ReplySignals } from "./reply-recorder.ts"
import { pullEachChunk } from "./pull-each.ts"
import { spanWhenTraced } from "./traced.ts"
import { makeTurnDeadlines, type TurnDeadlines } from "./turn-deadlines.ts"
import { acquireReleasePlain } from "./acquire-release-plain.ts"
import { BackgroundWork, type PreparedWork } from "./background-work.ts"

/** What `ChatSettings.layerConfig` reads. */
export const config = Config.all({
  idleTimeout: duration("CHAT_IDLE_TIMEOUT_MS", 10_000),
  turnTimeout: duration("CHAT_TURN_TIMEOUT_MS", 120_000)
})

/** A chat turn's deadlines. */
export class ChatSettings extends Context.Tag("coachup/ChatSettings")<
  ChatSettings,
  {
    /** A model that sends no text for this long fails the turn (first token, and between tokens). */
    readonly idleTimeout: Duration.Duration
    /** A turn that has not finished after this long fails. */
    readonly turnTimeout: Duration.Duration
    /** The one timer that watches every turn's deadlines. */
    readonly deadlines: TurnDeadlines
  }
>() {
  static readonly layerConfig = Layer.scoped(
    ChatSettings,
    Effect.flatMap(config, (timeouts) =>
      Effect.map(makeTurnDeadlines(timeouts), (deadlines) => ({ ...timeouts, deadlines }))
    )
  )
}

/** A turn's state, the signals the work waiting on it listens to, and that work. */
export interface TurnSignals extends ReplySignals {
  readonly state: Ref.Ref<TurnState>
  /** The work the turn's first text defers (the reply's rows, the prompt's classification). */
  readonly deferred: PreparedWork
}

/**
 * Feeds events to the turn: its next state; the deferred work released, the end announced, if due.
 * One step, uninterruptible: a state that says the work started or the turn ended is never left
 * without the work started or the end announced.
 */
const dispatch = (signals: TurnSignals, events: ReadonlyArray<TurnEvent>) =>
  Effect.uninterruptible(
    Effect.flatMap(
      Ref.modify(signals.state, (state): [TurnSteps, TurnState] => {
        const next = advanceAll(state, events)
        return [next, next.state]
      }),
      (next) =>
        !next.startDeferred && Option.isNone(next.record)
          ? Effect.succeed(next)
          : Effect.gen(function* () {
              if (next.startDeferred) yield* signals.deferred.start
              if (Option.isSome(next.record)) yield* Deferred.succeed(signals.ended, next.record.value)
              return next
            })
    )
  )

/**
 * A new turn's state and signals, in `scope`, and the work its first text defers
 * (`deferred`, given the signals), prepared with the caller's services: it starts in the background
 * when the turn's rules say. When the scope closes on a turn that has not ended (its events never
 * read), the turn ends cut short, so whatever waits for its end does not wait for ever.
 */
export const makeTurnSignals = <A, E, R>(
  startedAt: number,
  deferred: (signals: ReplySignals) => Effect.Effect<A, E, R>,
  scope: Scope.Scope
) =>
  Effect.gen(function* () {
    const state = yield* Ref.make(startTurn(startedAt))
    const replySignals: ReplySignals = {
      ended: yield* Deferred.make<EndedTurn>(),
      textSoFar: Effect.map(Ref.get(state), (turn) => turn.text)
    }
    const background = yield* BackgroundWork
    const signals: TurnSignals = {
      ...replySignals,
      state,
      deferred: yield* background.prepare(Effect.suspend(() => deferred(replySignals)))
    }
    yield* acquireReleasePlain(scope, Effect.void, () =>
      Effect.asVoid(dispatch(signals, [TurnEvent.CutShort()]))
    )
    return signals
  })

/**
 * The turn's events, made as they are read: `readEach` calls the model and reads it a chunk at a
 * time, feeds each chunk to the turn as one step and hands what the turn emits to `read` as one
 * batch, with no mailbox and no fiber between the model and the reader; a reader that falls behind
 * holds the model call back. When the turn ends it waits for the deferred work (the reply's record)
 * before the last event, so a client that lists the transcript after it sees the reply. One reader:
 * another gets no events, and returns once the turn has ended.
 *
 * The model call runs in a fiber of its own, under the span current when the turn was made, and
 * `read` gets the text on that fiber. One of the turn's deadlines (`ChatSettings.deadlines`)
 * interrupts it once passed: the turn fails with the timeout, as the model failing would, and the
 * provider's request is aborted. `stop` interrupts it too, and waits for it to stop: the reader then
 * ends the turn cut short and returns. So does the reader going away (its fiber interrupted).
 */
export const turnEvents = Effect.fnUntraced(function* (
  signals: TurnSignals,
  model: Stream.Stream<ChatModelEvent, ModelFailed>,
  traced: Record<string, string>,
  scope: Scope.Scope
) {
  const parentSpan = yield* Effect.serviceOption(Tracer.ParentSpan)
  // The model call, once made; the deadline that stopped it, if one did; whether `stop` was asked;
  // whether the turn has its reader.
  let call: Fiber.RuntimeFiber<void, ModelFailed> | undefined
  let expired: ModelFailed | undefined
  let stopped = false
  let claimed = false
  const { deadlines } = yield* ChatSettings
  yield* deadlines.watch(
    signals.state,
    (failure) =>
      Effect.suspend(() => {
        expired = failure
        return call === undefined ? Effect.void : Fiber.interruptFork(call)
      }),
    scope
  )
  const cutShort = Effect.asVoid(dispatch(signals, [TurnEvent.CutShort()]))
  const readTurn = (read: (events: ReadonlyArray<ChatEvent>) => Effect.Effect<void>) => {
    let batches = 0
    // A second batch for the reader: it has sent the first, the first text with it, so the deferred
    // work may start.
    const sent = (events: ReadonlyArray<ChatEvent>) =>
      Effect.zipRight(
        Effect.suspend(() =>
          ++batches === 2 ? dispatch(signals, [TurnEvent.ReaderCaughtUp()]) : Effect.void
        ),
        read(events)
      )
    // The turn's last event waits for the deferred work (the reply's record); the events before it do not.
    const feed = (events: ReadonlyArray<TurnEvent>) =>
      Effect.flatMap(dispatch(signals, events), (next) =>
        Effect.zipRight(
          next.emitted.length === 0 ? Effect.void : sent(next.emitted),
          Option.isNone(next.record)
            ? Effect.void
            : Effect.zipRight(
                signals.deferred.await,
                Option.isSome(next.last) ? read([next.last.value]) : Effect.void
              )
        )
      )
    // A chunk of the model's parts (the words a model sent at once) is one step of the turn.
    const modelCall = pullEachChunk(model, (parts) =>
      Effect.flatMap(Clock.currentTimeMillis, (at) =>
        feed(
          Chunk.toReadonlyArray(parts).map((part) =>
            part._tag === "TextDelta"
              ? TurnEvent.TextArrived({ text: part.text, at })
              : TurnEvent.ModelFinished({ reason: part.reason, usage: part.usage })
          )
        )
      )
    )
    // Whether the model's stream ended (true) or `stop` stopped the call (false); a deadline fails it.
    // Awaited rather than joined: a join would take the call's fiber-local state back, which costs a
    // diff of the two fibers' contexts and brings nothing here.
    const timedCall = Effect.suspend((): Effect.Effect<boolean, ModelFailed> => {
      if (expired !== undefined) return Effect.fail(expired)
      if (stopped) return Effect.succeed(false)
      return Effect.flatMap(Effect.fork(modelCall), (fiber) => {
        call = fiber
        // Stopped, or past a deadline, while the call was being made: nothing else will stop it.
        const late = expired !== undefined || stopped ? Fiber.interruptFork(fiber) : Effect.void
        return Effect.zipRight(
          late,
          Effect.onInterrupt(Fiber.await(fiber), () => Fiber.interrupt(fiber))
        ).pipe(
          Effect.flatMap((exit) => {
            if (Exit.isSuccess(exit)) return Effect.succeed(true)
            if (!Cause.isInterruptedOnly(exit.cause)) return Effect.failCause(exit.cause)
            if (expired !== undefined) return Effect.fail(expired)
            return stopped ? Effect.succeed(false) : Effect.failCause(exit.cause)
          })
        )
      })
    }).pipe(spanWhenTraced("ChatModel.stream", { attributes: traced }))
    const turn = timedCall.pipe(
      Effect.flatMap((ended) => (ended ? feed([TurnEvent.ModelEnded()]) : cutShort)),
      Effect.catchAllCause((cause) => {
        // An interruption-only cause carries no failure: passing it on is sound.
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
        // A defect (a bug, a provider answer no adapter expected) ends the turn like a model failure.
        const failure = Option.getOrElse(
          Cause.failureOption(cause),
          () => new ModelFailed({ reason: "protocol", message: "the model stream failed unexpectedly" })
        )
        const logged = Cause.isFailType(cause) ? Effect.void : Effect.logError("chat stream defect", cause)
        return Effect.zipRight(
          logged,
          feed([TurnEvent.ModelFailed({ reason: failure.reason, message: failure.message })])
        )
      }),
      // A reader gone before the end cuts the turn short.
      Effect.ensuring(cutShort)
    )
    return Option.isSome(parentSpan) ? Effect.withParentSpan(turn, parentSpan.value) : turn
  }
  const readEach = (read: (events: ReadonlyArray<ChatEvent>) => Effect.Effect<void>) =>
    Effect.suspend(() => {
      if (claimed) return Effect.asVoid(Deferred.await(signals.ended))
      claimed = true
      return readTurn(read)
    })
  // Asked from `read`, on the call's own fiber, it interrupts that fiber rather than wait for its end.
  const stop = Effect.withFiberRuntime<void>((self) => {
    stopped = true
    if (call === undefined) return claimed ? Effect.void : cutShort
    return call === self ? Effect.interrupt : Effect.asVoid(Fiber.interrupt(call))
  })
  return { readEach, stop }
})
