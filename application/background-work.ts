import { Context, Duration, Effect, FiberSet, Layer } from "effect"

/**
 * Work a request starts but does not wait for (a chat prompt's classification). It runs in fibers
 * owned by the application's scope: at shutdown they get a grace period to finish before the stores
 * close, then are interrupted — never left running against a closed store.
 */
export class BackgroundWork extends Context.Tag("coachup/BackgroundWork")<
  BackgroundWork,
  {
    /** Starts `work` with the caller's services; its outcome is its own (it logs what matters). */
    readonly fork: <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<void, never, R>
  }
>() {
  static readonly layer = (options: { readonly grace: Duration.DurationInput }) =>
    Layer.scoped(
      BackgroundWork,
      Effect.gen(function* () {
        const fibers = yield* FiberSet.make()
        // Finalizers run last-added first: this wait comes before the set interrupts what is left.
        yield* Effect.addFinalizer(() =>
          FiberSet.awaitEmpty(fibers).pipe(Effect.timeout(options.grace), Effect.ignore)
        )
        return BackgroundWork.of({
          fork: (work) => Effect.asVoid(FiberSet.run(fibers, Effect.ignore(work)))
        })
      })
    )
}
