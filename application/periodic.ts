import { type Duration, Effect, Schedule } from "effect"

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
