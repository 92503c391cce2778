import {
  Context,
  Deferred,
  Duration,
  Effect,
  Layer,
  Option,
  Ref,
  type Scope,
  Stream,
  SubscriptionRef
} from "effect"

/** After the grace, how long the streams it ends get to send their last parts and close. */
const STREAM_END_ALLOWANCE = Duration.seconds(2)

/**
 * The server's shutdown as requests see it (`docs/deploy.md`, rolling deploys): from SIGTERM on it
 * drains — readiness false, new requests refused — while open chat streams get `grace` to finish;
 * those still open then end in-band, their replies kept `incomplete`.
 */
export class ServerShutdown extends Context.Tag("coachup/http/ServerShutdown")<
  ServerShutdown,
  {
    /** Whether shutdown has begun. */
    readonly draining: Effect.Effect<boolean>
    /** Counts an open chat stream until the scope closes: the drain waits for it, within the grace. */
    readonly holdStream: Effect.Effect<void, never, Scope.Scope>
    /**
     * Counts a chat turn until the scope closes, as `holdStream` counts a stream, and runs `stop` when
     * the grace is over: a turn whose client has gone (it runs on, resumable) is waited for and then
     * stopped like a stream, its reply kept `incomplete` with its text.
     */
    readonly holdTurn: (stop: Effect.Effect<void>) => Effect.Effect<void, never, Scope.Scope>
    /** Completes when the grace is over: a stream still open ends now. */
    readonly graceOver: Effect.Effect<void>
    /**
     * Drains at once, waits up to the grace for the open streams, ends those left and waits (briefly)
     * until they are gone.
     */
    readonly drain: Effect.Effect<void>
  }
>() {
  static readonly layer = (options: { readonly grace: Duration.Duration }) =>
    Layer.effect(
      ServerShutdown,
      Effect.gen(function* () {
        const draining = yield* Ref.make(false)
        const openStreams = yield* SubscriptionRef.make(0)
        const graceOver = yield* Deferred.make<void>()
        // The drain runs in a finalizer, uninterruptible: the wait is made interruptible so its timeout holds.
        const streamsEnded = (within: Duration.Duration) =>
          openStreams.changes.pipe(
            Stream.takeUntil((open) => open === 0),
            Stream.runDrain,
            Effect.interruptible,
            Effect.timeout(within),
            Effect.option,
            Effect.map(Option.isSome)
          )
        const holdStream = Effect.acquireRelease(
          SubscriptionRef.update(openStreams, (open) => open + 1),
          () => SubscriptionRef.update(openStreams, (open) => open - 1)
        )
        // What stops each turn still running, run once the grace is over.
        const turnStops = new Set<Effect.Effect<void>>()
        return ServerShutdown.of({
          draining: Ref.get(draining),
          holdStream,
          holdTurn: (stop) =>
            Effect.zipRight(
              holdStream,
              Effect.acquireRelease(
                Effect.sync(() => turnStops.add(stop)),
                () => Effect.sync(() => turnStops.delete(stop))
              )
            ),
          graceOver: Deferred.await(graceOver),
          drain: Effect.gen(function* () {
            yield* Ref.set(draining, true)
            yield* Effect.logInfo("shutting down: draining").pipe(
              Effect.annotateLogs({
                openStreams: yield* SubscriptionRef.get(openStreams),
                graceMs: Duration.toMillis(options.grace)
              })
            )
            if (yield* streamsEnded(options.grace)) return
            yield* Effect.logWarning("shutdown grace over: open chat streams end as incomplete").pipe(
              Effect.annotateLogs({ openStreams: yield* SubscriptionRef.get(openStreams) })
            )
            yield* Deferred.succeed(graceOver, undefined)
            yield* Effect.forEach(Array.from(turnStops), (stop) => stop, { discard: true })
            yield* streamsEnded(STREAM_END_ALLOWANCE)
          })
        })
      })
    )
}
