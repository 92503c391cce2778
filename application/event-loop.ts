import { Effect } from "effect"

/**
 * Lets the event loop turn before going on. Fibers resume each other in microtasks, and Node sends a
 * response's writes only once the microtasks are done (it corks them until the next tick), so work
 * that follows a write without this holds the write back until it is done too.
 *
 * It gives the runtime no canceler: one would wrap every wait in an interruption handler, some 8 runtime
 * operations for each batch a stream writes. A fiber interrupted while it waits goes at once all the
 * same; the callback that fires in the next turn then resumes nothing (a fiber takes one resumption).
 */
export const eventLoopTurn = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})
