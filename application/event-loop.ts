import { Effect } from "effect"

/**
 * Lets the event loop turn before going on. Fibers resume each other in microtasks, and Node sends a
 * response's writes only once the microtasks are done (it corks them until the next tick), so work
 * that follows a write without this holds the write back until it is done too.
 */
export const eventLoopTurn = Effect.async<void>((resume) => {
  const handle = setImmediate(() => resume(Effect.void))
  return Effect.sync(() => clearImmediate(handle))
})
