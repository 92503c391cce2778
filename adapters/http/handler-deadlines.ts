import { HttpApp } from "@effect/platform"
import { Cause, Duration, Effect, Exit, Fiber, FiberRef } from "effect"
import { deadlineSweepInterval, forkPeriodic } from "../../application/periodic.ts"

/** Whether a handler's fiber ended interrupted: as its own exit, or as the handler's exit it caught. */
const stoppedBy = <A, E>(outcome: Exit.Exit<Exit.Exit<A, E>>) =>
  Exit.isFailure(outcome) || (Exit.isFailure(outcome.value) && Cause.isInterrupted(outcome.value.cause))

/**
 * Handler deadlines on one timer. Each handler runs in a fiber of its own, noted with when it is due;
 * one sweep, every tenth of the deadline (at most a second), interrupts those past due. A timeout per
 * request (`Effect.timeoutTo`) costs two fibers and a timer, more than the whole handler of a small
 * request; here a deadline fires up to one sweep late. Scoped: the sweep stops with the scope.
 */
export const handlerDeadlines = (timeout: Duration.Duration) =>
  Effect.gen(function* () {
    const timeoutMs = Duration.toMillis(timeout)
    const due = new Map<Fiber.RuntimeFiber<unknown, unknown>, number>()
    const expired = new WeakSet<Fiber.RuntimeFiber<unknown, unknown>>()
    const sweep = Effect.clockWith((clock) => {
      const now = clock.unsafeCurrentTimeMillis()
      const late: Array<Fiber.RuntimeFiber<unknown, unknown>> = []
      for (const [fiber, at] of due) if (at <= now) late.push(fiber)
      for (const fiber of late) {
        due.delete(fiber)
        expired.add(fiber)
      }
      return Effect.forEach(late, Fiber.interruptFork, { discard: true })
    })
    yield* forkPeriodic(sweep, deadlineSweepInterval(timeout), "handler deadline sweep failed")

    /**
     * Runs `handler` under the deadline: its exit, with what it set for the response (a 429's
     * `Retry-After`, a 401's challenge) taken back, or `"expired"` when the sweep stopped it. Nothing
     * else the handler set on its fiber is taken back: no handler sets anything else that outlives
     * it, and `Fiber.inheritAll` would join every one of the fiber's `FiberRef`s on every request.
     */
    return <A, E, R>(handler: Effect.Effect<A, E, R>): Effect.Effect<Exit.Exit<A, E> | "expired", never, R> =>
      Effect.flatMap(Effect.fork(Effect.exit(handler)), (fiber) =>
        Effect.clockWith((clock) => {
          due.set(fiber, clock.unsafeCurrentTimeMillis() + timeoutMs)
          return Fiber.await(fiber).pipe(
            Effect.ensuring(Effect.sync(() => due.delete(fiber))),
            Effect.flatMap((outcome): Effect.Effect<Exit.Exit<A, E> | "expired"> =>
              // Stopped by the sweep: interrupted, however that reached its exit. A handler that
              // ended as the sweep marked it keeps its own answer.
              expired.has(fiber) && stoppedBy(outcome)
                ? Effect.succeed("expired")
                : Exit.isSuccess(outcome)
                  ? Effect.as(
                      FiberRef.set(
                        HttpApp.currentPreResponseHandlers,
                        fiber.getFiberRef(HttpApp.currentPreResponseHandlers)
                      ),
                      outcome.value
                    )
                  : Effect.failCause(outcome.cause)
            )
          )
        })
      )
  })
