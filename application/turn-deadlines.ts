import { Clock, Duration, Effect, Ref, type Scope } from "effect"
import { ModelFailed } from "../domain/errors.ts"
import type { TurnState } from "./chat-turn.ts"
import { deadlineSweepInterval, forkPeriodic } from "./periodic.ts"
import { acquireReleasePlain } from "./acquire-release-plain.ts"

/** The chat turns' two deadlines, watched by one timer for every turn of the process. */
export interface TurnDeadlines {
  /**
   * Watches a turn until `scope` closes. Once it has had no text for the idle timeout (the first
   * token included) or no end by the turn timeout, and has not ended, `expire` runs once with why. It
   * runs in the sweep, for every turn in turn: it must not wait.
   */
  readonly watch: (
    state: Ref.Ref<TurnState>,
    expire: (failure: ModelFailed) => Effect.Effect<void>,
    scope: Scope.Scope
  ) => Effect.Effect<void>
}

interface Watched {
  readonly state: Ref.Ref<TurnState>
  readonly expire: (failure: ModelFailed) => Effect.Effect<void>
}

/**
 * The deadlines on one sweep, every tenth of the shorter timeout (at most a second), rather than a
 * watchdog raced against each turn's model call: the race cost every turn two fibers and a timer.
 * A deadline fires up to one sweep late. Scoped: the sweep stops with the scope.
 */
export const makeTurnDeadlines = (timeouts: {
  readonly idleTimeout: Duration.Duration
  readonly turnTimeout: Duration.Duration
}) =>
  Effect.gen(function* () {
    const idleMs = Duration.toMillis(timeouts.idleTimeout)
    const turnMs = Duration.toMillis(timeouts.turnTimeout)
    /** Why the turn has failed by `now`, if it has; none once it has ended. */
    const failureAt = ({ startedAt, lastTextAt, ended }: TurnState, now: number) => {
      if (ended) return undefined
      if (now >= startedAt + turnMs)
        return new ModelFailed({
          reason: "timeout",
          message: `no complete reply in ${Duration.format(timeouts.turnTimeout)}`
        })
      if (now >= lastTextAt + idleMs)
        return new ModelFailed({
          reason: "timeout",
          message: `no text from the model in ${Duration.format(timeouts.idleTimeout)}`
        })
      return undefined
    }
    const watched = new Set<Watched>()
    const sweep = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      for (const turn of Array.from(watched)) {
        const failure = failureAt(yield* Ref.get(turn.state), now)
        if (failure === undefined) continue
        watched.delete(turn)
        yield* turn.expire(failure)
      }
    })
    yield* forkPeriodic(
      sweep,
      deadlineSweepInterval(Math.min(idleMs, turnMs)),
      "chat turn deadline sweep failed"
    )
    const deadlines: TurnDeadlines = {
      watch: (state, expire, scope) =>
        Effect.asVoid(
          acquireReleasePlain(
            scope,
            Effect.sync(() => {
              const turn = { state, expire }
              watched.add(turn)
              return turn
            }),
            (turn) => Effect.sync(() => watched.delete(turn))
          )
        )
    }
    return deadlines
  })
