import { Context, Layer, Option } from "effect"

/**
 * What this process can tell of the changes other processes commit to its store, so that what it
 * remembers of the store can be answered again without a read while nobody else has written.
 */
export class StoreChanges extends Context.Tag("coachup/StoreChanges")<
  StoreChanges,
  {
    /**
     * A mark that stays the same while no other process commits to the store and differs once one has
     * (SQLite's `data_version`); none where the store cannot tell (Convex), so nothing read from it is
     * answered again from memory. Synchronous and cheap: it is asked before reads on the request path.
     */
    readonly byOthers: () => Option.Option<number>
  }
>() {
  /** No other process reaches the store (process memory). */
  static readonly onlyThisProcess = Layer.succeed(StoreChanges, { byOthers: () => Option.some(0) })
  /** The store cannot tell (Convex): every read goes to it. */
  static readonly untold = Layer.succeed(StoreChanges, { byOthers: () => Option.none() })
}
