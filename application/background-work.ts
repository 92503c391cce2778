import { Context, Duration, Effect, Fiber, FiberSet, Layer, Runtime } from "effect"

/** Work prepared with the services of the fiber that prepared it, to start later from any fiber. */
export interface PreparedWork {
  /** Starts the work, once: later calls do nothing. */
  readonly start: Effect.Effect<void>
  /** Starts the work if it has not started, and waits for it to end. */
  readonly await: Effect.Effect<void>
}

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
    /**
     * `work` with the caller's services, started when asked: until then it holds no fiber, so that
     * work which waits for a turn's first text costs a quiet turn nothing but its description.
     */
    readonly prepare: <A, E, R>(work: Effect.Effect<A, E, R>) => Effect.Effect<PreparedWork, never, R>
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
        // A fiber of its own, not one forked from the caller's: a forked fiber, daemon or not, keeps
        // the fiber that forked it reachable until it ends (the observer Effect adds to every fork
        // closes over the parent), and a chat request's handler fiber, done once the response has
        // started, would stay in memory for the whole reply (some 5 KiB per open stream). It is
        // scheduled, not run at once, like a fork: a set closed meanwhile interrupts it unstarted.
        const run = <R>(runtime: Runtime.Runtime<R>, work: Effect.Effect<unknown, unknown, R>) => {
          const fiber = Runtime.runFork(runtime)(Effect.interruptible(Effect.ignore(work)), {
            immediate: false
          })
          FiberSet.unsafeAdd(fibers, fiber)
          return fiber
        }
        return BackgroundWork.of({
          fork: (work) => Effect.map(Effect.runtime(), (runtime) => run(runtime, work)),
          prepare: (work) =>
            Effect.map(Effect.runtime(), (runtime) => {
              let fiber: Fiber.RuntimeFiber<void> | undefined
              const start = Effect.sync(() => (fiber ??= run(runtime, work)))
              return {
                start: Effect.asVoid(start),
                await: Effect.asVoid(Effect.flatMap(start, Fiber.await))
              }
            })
        })
      })
    )
}
