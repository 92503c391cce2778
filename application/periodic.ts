import { Duration, Effect, Schedule } from "effect"

/**
 * Runs `work` now and then every `every`, in a fiber of the current scope. A failed round — error or
 * defect — is logged and the next round runs as planned.
 */
export const forkPeriodic = <A, E, R>(
  work: Effect.Effect<A, E, R>,
  every: Duration.DurationInput,
  failure: string
) =>
  work.pipe(
    Effect.catchAllCause((cause) => Effect.logWarning(failure, cause)),
    Effect.repeat(Schedule.spaced(every)),
    Effect.forkScoped
  )

/**
 * How often a deadline sweep looks for work past `deadline`: a tenth of it, at least 10 ms and at most
 * a second, so a deadline fires at most that late.
 */
export const deadlineSweepInterval = (deadline: Duration.DurationInput): Duration.Duration =>
  Duration.millis(Math.min(1_000, Math.max(10, Duration.toMillis(deadline) / 10)))
