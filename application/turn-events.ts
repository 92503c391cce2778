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
  Mailbox,
  Option,
  Ref,
  type Stream
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

/** A turn's state, and the signals the work waiting on it listens to. */
export interface TurnSignals extends ReplySignals {
  readonly state: Ref.Ref<TurnState>
}

/** Feeds events to the turn: its next state; the deferred work released, the end announced, if due. */
const dispatch = (signals: TurnSignals, events: ReadonlyArray<TurnEvent>) =>
  Effect.flatMap(
    Ref.modify(signals.state, (state): [TurnSteps, TurnState] => {
      const next = advanceAll(state, events)
      return [next, next.state]
    }),
    (next) =>
      !next.startDeferred && Option.isNone(next.record)
        ? Effect.succeed(next)
        : Effect.gen(function* () {
            if (next.startDeferred) yield* signals.firstTextOut.open
            if (Option.isSome(next.record)) yield* Deferred.succeed(signals.ended, next.record.value)
            return next
          })
  )

/**
 * A new turn's state and signals, in the caller's scope: when the scope closes on a turn that has
 * not ended (its events never read), the turn ends cut short, so whatever waits for its end does not
 * wait for ever.
 */
export const makeTurnSignals = (startedAt: number) =>
  Effect.gen(function* () {
    const state = yield* Ref.make(startTurn(startedAt))
    const signals: TurnSignals = {
      state,
      firstTextOut: yield* Effect.makeLatch(),
      ended: yield* Deferred.make<EndedTurn>(),
      textSoFar: Effect.map(Ref.get(state), (turn) => turn.text)
    }
    yield* acquireReleasePlain(Effect.void, () => Effect.asVoid(dispatch(signals, [TurnEvent.CutShort()])))
    return signals
  })

/**
 * Events the producer may make ahead of its reader. Enough for the words a model sends between two
 * turns of the event loop, so that the producer hands them over without waiting for the reader after
 * each (a fiber hand-off per word), and the reader takes them as one batch; few enough that a reader
 * who falls behind holds the model call back.
 */
const EVENTS_AHEAD = 256

/**
 * The turn's events, made by one fiber in the caller's scope: it reads the model a chunk at a time,
 * feeds each chunk to the turn as one step and hands what the turn emits to the reader through a
 * bounded mailbox; the reader (`readEach`) gets what has come since it last asked as one batch. When
 * the turn ends it waits for the reply's record (`recorded`) before the last event, so a client that
 * lists the transcript after it sees the reply. The model is read in a fiber of its own, which one of
 * the turn's deadlines (`ChatSettings.deadlines`) interrupts once passed: the call fails with the
 * timeout, as the model failing would, and the provider's request is aborted. `stop`, the reader going
 * away, or the scope closing on a turn never read interrupt it too. Answers `readEach`, and `stop`,
 * which ends the turn cut short: the model call stops and the reading ends.
 */
export const turnEvents = Effect.fnUntraced(function* (
  signals: TurnSignals,
  model: Stream.Stream<ChatModelEvent, ModelFailed>,
  recorded: Fiber.Fiber<void>,
  traced: Record<string, string>
) {
  const mailbox = yield* Mailbox.make<ChatEvent>(EVENTS_AHEAD)
  // The turn's last event waits for the reply's record; the events before it do not.
  const feed = (events: ReadonlyArray<TurnEvent>) =>
    Effect.flatMap(dispatch(signals, events), (next) =>
      Effect.zipRight(
        next.emitted.length === 0 ? Effect.void : mailbox.offerAll(next.emitted),
        Option.isNone(next.record)
          ? Effect.void
          : Effect.zipRight(
              Fiber.await(recorded),
              Option.isSome(next.last) ? mailbox.offer(next.last.value) : Effect.void
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
  // The deadline that stopped the model call, if one did: the call then fails with it.
  let expired: ModelFailed | undefined
  let call: Fiber.RuntimeFiber<void, ModelFailed> | undefined
  const { deadlines } = yield* ChatSettings
  yield* deadlines.watch(signals.state, (failure) =>
    Effect.suspend(() => {
      expired = failure
      return call === undefined ? Effect.void : Fiber.interruptFork(call)
    })
  )
  // Awaited rather than joined: a join would take the call's fiber-local state back, which costs a
  // diff of the two fibers' contexts and brings nothing here.
  const timedCall = Effect.suspend(() =>
    expired !== undefined
      ? Effect.fail(expired)
      : Effect.flatMap(Effect.fork(modelCall), (fiber) => {
          call = fiber
          return Fiber.await(fiber)
        })
  ).pipe(
    Effect.flatMap((exit) =>
      Exit.isSuccess(exit)
        ? Effect.void
        : expired !== undefined && Cause.isInterruptedOnly(exit.cause)
          ? Effect.fail(expired)
          : Effect.failCause(exit.cause)
    ),
    spanWhenTraced("ChatModel.stream", { attributes: traced })
  )
  const producer = yield* timedCall.pipe(
    Effect.zipRight(feed([TurnEvent.ModelEnded()])),
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
    Effect.exit,
    Effect.flatMap((exit) => mailbox.done(exit)),
    Effect.forkScoped
  )
  let taken = 0
  // The reader asks for a second chunk once it has sent the first, the first text with it: the
  // deferred work may start.
  const taking = Effect.suspend(() =>
    ++taken === 2 ? dispatch(signals, [TurnEvent.ReaderCaughtUp()]) : Effect.void
  )
  // A reader gone before the end cuts the turn short at once: the model call stops with it.
  const readerGone = Effect.zipRight(Fiber.interrupt(producer), dispatch(signals, [TurnEvent.CutShort()]))
  // A loop rather than a stream: a stream's run costs some 500 operations of the runtime to set up and
  // tear down, a loop over the mailbox a few dozen (`node bench/stream-costs.ts`).
  const readEach = (read: (events: ReadonlyArray<ChatEvent>) => Effect.Effect<void>) => {
    const loop: Effect.Effect<void> = Effect.flatMap(mailbox.takeAll, ([chunk, done]) => {
      const next = done ? Effect.void : loop
      return Chunk.isEmpty(chunk)
        ? next
        : Effect.zipRight(taking, Effect.zipRight(read(Chunk.toReadonlyArray(chunk)), next))
    })
    return Effect.ensuring(loop, readerGone)
  }
  return { readEach, stop: Effect.zipRight(Fiber.interrupt(producer), mailbox.end) }
})
