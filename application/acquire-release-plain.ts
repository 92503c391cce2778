import { Effect, Scope } from "effect"

/**
 * `Effect.acquireRelease` for a release that takes nothing from the fiber that runs it (no log
 * annotations, no span, no service beyond what it closes over): a set's entry removed, a gauge
 * lowered. `acquireRelease` runs its release under the acquiring fiber's `FiberRef`s, restored and
 * then undone, which diffs the fiber's whole context twice per release: a chat turn holds about eight,
 * and those diffs were 3 % of its CPU. The scope runs this release as it is: with the FiberRefs and
 * the interruptibility of the fiber that closes it, which `Effect.scoped`, `ensuring` and `onExit`
 * close uninterruptibly. Acquiring and registering the release are one step, as with `acquireRelease`.
 * The scope is an argument, not a `Scope` service: `Scope.extend` would provide one by copying all
 * the fiber's services.
 */
export const acquireReleasePlain = <A, E, R>(
  scope: Scope.Scope,
  acquire: Effect.Effect<A, E, R>,
  release: (acquired: A) => Effect.Effect<void>
): Effect.Effect<A, E, R> =>
  Effect.uninterruptible(
    Effect.flatMap(acquire, (acquired) => Effect.as(Scope.addFinalizer(scope, release(acquired)), acquired))
  )
