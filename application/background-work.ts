import { Context, Duration, Effect, type Fiber, FiberSet, Layer } from "effect"

/**
 * Work a request starts that outlives it (a chat prompt's classification, a streamed reply's rows).
 * It runs in fibers owned by the application's scope: at shutdown they get a grace period to finish
 * before the stores close, then are interrupted — never left running against a closed store.
 */
export class BackgroundWork extends Context.Tag("coachup/BackgroundWork")<
  BackgroundWork,
  {
    /**
     * Starts `work` with the caller's services, interruptible whatever region it is started from, so
     * that its own timeouts hold. Its outcome is its own (it logs what matters); the fiber it answers
     * is for a caller that must wait for it to end.
     */
    readonly fork: <A, E, R>(
      work: Effect.Effect<A, E, R>
    ) => Effect.Effect<Fiber.RuntimeFiber<void>, never, R>
  }
>() {
  static readonly layer = (options: { readonly grace: Duration.DurationInput }) =>
    Layer.scoped(
      BackgroundWork,
      Effect.gen(function* () {
        const fibers = yield* FiberSet.make()
        // Finalizers run last-added first: this wait comes before the set interrupts what is left. A
        // finalizer runs uninterruptible: the wait is made interruptible so that its timeout holds.
        yield* Effect.addFinalizer(() =>
          FiberSet.awaitEmpty(fibers).pipe(Effect.interruptible, Effect.timeout(options.grace), Effect.ignore)
        )
        return BackgroundWork.of({
          fork: (work) => FiberSet.run(fibers, Effect.interruptible(Effect.ignore(work)))
        })
      })
    )
}
