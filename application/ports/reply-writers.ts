import { Context, Layer } from "effect"

/**
 * Which processes stream replies into a store, and so what a process starting up may assume of the
 * replies it finds in progress.
 */
export class ReplyWriters extends Context.Tag("coachup/ReplyWriters")<
  ReplyWriters,
  {
    /**
     * This process is the only writer (the embedded SQLite file, process memory): a reply in progress
     * at its start was left by a process that died. Otherwise (Convex, shared by any number of
     * service processes) only a lapsed lease tells.
     */
    readonly onlyThisProcess: boolean
  }
>() {
  static readonly onlyThisProcess = Layer.succeed(ReplyWriters, { onlyThisProcess: true })
  static readonly manyProcesses = Layer.succeed(ReplyWriters, { onlyThisProcess: false })
}
