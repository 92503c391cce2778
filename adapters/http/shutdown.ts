import { Context, Duration, Effect, Layer, Option, type Scope } from "effect"
import { acquireReleasePlain } from "../../application/acquire-release-plain.ts"

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
    /**
     * Counts an open chat stream until `scope` closes: the drain waits for it, within the grace, and
     * runs `end` when the grace is over (the stream ends in-band).
     */
    readonly holdStream: (end: Effect.Effect<void>, scope: Scope.Scope) => Effect.Effect<void>
    /**
     * Counts a chat turn until `scope` closes, as `holdStream` counts a stream, and runs `stop` when
     * the grace is over, after the streams' ends: a turn whose client has gone (it runs on, resumable)
     * is waited for and then stopped like a stream, its reply kept `incomplete` with its text.
     */
    readonly holdTurn: (stop: Effect.Effect<void>, scope: Scope.Scope) => Effect.Effect<void>
    /**
     * Drains at once, waits up to the grace for the open streams, ends those left and waits (briefly)
     * until they are gone.
     */
    readonly drain: Effect.Effect<void>
  }
>() {
  static readonly layer = (options: { readonly grace: Duration.Duration }) =>
    Layer.sync(ServerShutdown, () => {
      let draining = false
      // Chat streams open to a client, and chat turns running (with a client or not), each with what
      // ends it once the grace is over. Plain sets: a turn holds both for its whole life, so what
      // holding costs is paid twice per turn.
      const open = {
        streams: new Set<{ readonly end: Effect.Effect<void> }>(),
        turns: new Set<{ readonly end: Effect.Effect<void> }>()
      }
      // The drain's waits, told of each release.
      const waiting = new Set<() => void>()
      const hold = (kind: keyof typeof open, end: Effect.Effect<void>, scope: Scope.Scope) =>
        acquireReleasePlain(
          scope,
          Effect.sync(() => {
            const held = { end }
            open[kind].add(held)
            return held
          }),
          (held) =>
            Effect.sync(() => {
              open[kind].delete(held)
              for (const wake of Array.from(waiting)) wake()
            })
        )
      /** Completes once every one `kinds` counts has ended. */
      const allEnded = (kinds: ReadonlyArray<keyof typeof open>) =>
        Effect.async<void>((resume) => {
          const check = () => {
            if (kinds.every((kind) => open[kind].size === 0)) {
              waiting.delete(check)
              resume(Effect.void)
            }
          }
          waiting.add(check)
          check()
          return Effect.sync(() => waiting.delete(check))
        })
      /** Runs the ends of all `kind` at once, each failure logged. */
      const endAll = (kind: keyof typeof open) =>
        Effect.forEach(
          Array.from(open[kind]),
          (held) =>
            Effect.catchAllCause(held.end, (cause) => Effect.logWarning(`ending a ${kind} failed`, cause)),
          { concurrency: "unbounded", discard: true }
        )
      /**
       * Whether, after `first`, every one `kinds` counts had ended within `within`. The drain runs in a
       * finalizer, uninterruptible: the wait is made interruptible so that its timeout holds.
       */
      const endedWithin = (
        within: Duration.Duration,
        kinds: ReadonlyArray<keyof typeof open>,
        first: Effect.Effect<void> = Effect.void
      ) =>
        Effect.zipRight(first, allEnded(kinds)).pipe(
          Effect.interruptible,
          Effect.timeout(within),
          Effect.option,
          Effect.map(Option.isSome)
        )
      return ServerShutdown.of({
        draining: Effect.sync(() => draining),
        holdStream: (end, scope) => hold("streams", end, scope),
        holdTurn: (stop, scope) => hold("turns", stop, scope),
        drain: Effect.gen(function* () {
          draining = true
          yield* Effect.logInfo("shutting down: draining").pipe(
            Effect.annotateLogs({
              openStreams: open.streams.size,
              runningTurns: open.turns.size,
              graceMs: Duration.toMillis(options.grace)
            })
          )
          if (yield* endedWithin(options.grace, ["streams", "turns"])) return
          yield* Effect.logWarning("shutdown grace over: open chat streams end as incomplete").pipe(
            Effect.annotateLogs({ openStreams: open.streams.size, runningTurns: open.turns.size })
          )
          // The streams end in-band first, each stopping its own turn; then the turns no client
          // follows any more are stopped.
          yield* endedWithin(STREAM_END_ALLOWANCE, ["streams"], endAll("streams"))
          yield* endedWithin(STREAM_END_ALLOWANCE, ["turns"], endAll("turns"))
        })
      })
    })
}
