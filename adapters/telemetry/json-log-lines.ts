import { Effect, Layer, Logger } from "effect"

/**
 * Log lines as JSON on standard output, written together once per event-loop turn: a write to a
 * pipe is a system call made synchronously, and requests served in the same turn log a line each. Lines still
 * pending are written when the layer is released (shutdown) and when the process exits; once the
 * layer is released (the entry point may still log why the process stops), each line is written at once.
 */
export const layer = Layer.unwrapScoped(
  Effect.gen(function* () {
    let pending: Array<string> = []
    let released = false
    const flush = () => {
      if (pending.length === 0) return
      const text = `${pending.join("\n")}\n`
      pending = []
      process.stdout.write(text)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => process.on("exit", flush)),
      () =>
        Effect.sync(() => {
          released = true
          flush()
          process.off("exit", flush)
        })
    )
    const lines = Logger.map(Logger.jsonLogger, (line) => {
      if (released) process.stdout.write(`${line}\n`)
      else if (pending.push(line) === 1) setImmediate(flush)
    })
    return Logger.replace(Logger.defaultLogger, lines)
  })
)
