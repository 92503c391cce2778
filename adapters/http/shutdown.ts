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
        // Chat streams open to a client, and chat turns running (with a client or not).
        const open = yield* SubscriptionRef.make({ streams: 0, turns: 0 })
        const graceOver = yield* Deferred.make<void>()
        // The drain runs in a finalizer, uninterruptible: the wait is made interruptible so its timeout holds.
        const ended = (
          within: Duration.Duration,
          counted: (now: { streams: number; turns: number }) => number
        ) =>
          open.changes.pipe(
            Stream.takeUntil((now) => counted(now) === 0),
            Stream.runDrain,
            Effect.interruptible,
            Effect.timeout(within),
            Effect.option,
            Effect.map(Option.isSome)
          )
        const count = (key: "streams" | "turns", by: number) =>
          SubscriptionRef.update(open, (now) => ({ ...now, [key]: now[key] + by }))
        const hold = (key: "streams" | "turns") => Effect.acquireRelease(count(key, 1), () => count(key, -1))
        // What stops each turn still running, run once the grace is over.
        const turnStops = new Set<Effect.Effect<void>>()
        return ServerShutdown.of({
          draining: Ref.get(draining),
          holdStream: hold("streams"),
          holdTurn: (stop) =>
            Effect.zipRight(
              hold("turns"),
              Effect.acquireRelease(
                Effect.sync(() => turnStops.add(stop)),
                () => Effect.sync(() => turnStops.delete(stop))
              )
            ),
          graceOver: Deferred.await(graceOver),
          drain: Effect.gen(function* () {
            yield* Ref.set(draining, true)
            const atStart = yield* SubscriptionRef.get(open)
            yield* Effect.logInfo("shutting down: draining").pipe(
              Effect.annotateLogs({
                openStreams: atStart.streams,
                runningTurns: atStart.turns,
                graceMs: Duration.toMillis(options.grace)
              })
            )
            if (yield* ended(options.grace, (now) => now.streams + now.turns)) return
            const atGraceOver = yield* SubscriptionRef.get(open)
            yield* Effect.logWarning("shutdown grace over: open chat streams end as incomplete").pipe(
              Effect.annotateLogs({ openStreams: atGraceOver.streams, runningTurns: atGraceOver.turns })
            )
            // The streams end in-band first, each stopping its own turn after its last frame; then
            // the turns no client follows any more are stopped.
            yield* Deferred.succeed(graceOver, undefined)
            yield* ended(STREAM_END_ALLOWANCE, (now) => now.streams)
            yield* Effect.forEach(Array.from(turnStops), (stop) => stop, { discard: true })
            yield* ended(STREAM_END_ALLOWANCE, (now) => now.turns)
          })
        })
      })
    )
}
