import { Clock, Duration, Effect, type Scope } from "effect"
import { forkPeriodic } from "../../application/periodic.ts"
import { acquireReleasePlain } from "../../application/acquire-release-plain.ts"

/** A stream the heartbeats look after: when it last sent, and how to send it a heartbeat. */
export interface QuietStream {
  lastSentAt: number
  /** Sends a heartbeat at `now`, unless the stream is busy sending something else. */
  readonly beat: (now: number) => void
}

/** How often the timer looks at its streams, in parts of the heartbeat: a heartbeat is at most this much late. */
const LOOKS_PER_HEARTBEAT = 4

/**
 * One timer for the heartbeats of every open stream, rather than a fiber and a timer per stream: it
 * looks at the streams a few times per `every` and beats each that has sent nothing for `every`. A
 * stream therefore gets its heartbeat after between `every` and 1.25 × `every` of silence.
 */
export interface Heartbeats {
  readonly every: Duration.Duration
  /** Looks after `stream` until `stop` or until `scope` closes. */
  readonly watch: (stream: QuietStream, scope: Scope.Scope) => Effect.Effect<void>
  readonly stop: (stream: QuietStream) => Effect.Effect<void>
}

/** The timer, running in the scope: on Effect's clock, so that a test's clock drives it. */
export const makeHeartbeats = (every: Duration.Duration): Effect.Effect<Heartbeats, never, Scope.Scope> =>
  Effect.gen(function* () {
    const streams = new Set<QuietStream>()
    const everyMillis = Duration.toMillis(every)
    const look = Effect.map(Clock.currentTimeMillis, (now) => {
      for (const stream of streams) {
        if (now - stream.lastSentAt >= everyMillis) stream.beat(now)
      }
    })
    yield* forkPeriodic(look, Duration.millis(everyMillis / LOOKS_PER_HEARTBEAT), "heartbeat timer failed")
    const stop = (stream: QuietStream) => Effect.sync(() => streams.delete(stream))
    return {
      every,
      watch: (stream, scope) =>
        acquireReleasePlain(
          scope,
          Effect.sync(() => streams.add(stream)),
          () => stop(stream)
        ),
      stop: (stream) => Effect.asVoid(stop(stream))
    }
  })
