import { Context, Effect, Layer } from "effect"

/**
 * How the durable stores' calls run. A store reached over the network (Convex) can keep a call
 * waiting: the store guard gives each call STORE_TIMEOUT_MS. One called on the caller's thread
 * (SQLite, process memory) returns before any timer could fire, so a deadline would only cost two
 * fibers and a timer per call; it gets none. SQLite's one wait, for another process's lock, is
 * retried on timers by the adapter itself, within the same STORE_TIMEOUT_MS.
 */
export class StoreCalls extends Context.Tag("coachup/StoreCalls")<
  StoreCalls,
  {
    /** Whether a call can wait on I/O, and so needs a deadline. */
    readonly canWait: boolean
  }
>() {
  static readonly overNetwork = Layer.succeed(StoreCalls, { canWait: true })
  static readonly onCallerThread = Layer.succeed(StoreCalls, { canWait: false })
}

/**
 * Repeats a batch (of deletes) while it reports more, so no one call holds the store for long;
 * answers how many all the batches deleted.
 */
export const drainBatches = <E, R>(
  batch: Effect.Effect<{ readonly deleted: number; readonly more: boolean }, E, R>
) =>
  Effect.map(
    Effect.iterate(
      { deleted: 0, more: true },
      {
        while: (state) => state.more,
        body: (state) =>
          Effect.map(batch, (result) => ({ deleted: state.deleted + result.deleted, more: result.more }))
      }
    ),
    (state) => state.deleted
  )
