import { Readable } from "node:stream"
import { Cause, Effect, Exit, type Fiber, FiberId, Runtime, type Scope } from "effect"

const errorOf = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error : new Error(String(error))
}

/** Where a response's writer puts its bytes. */
export interface BodySink {
  /** Queues `bytes`, then waits while the body holds more than the client has taken. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void>
  /** Queues `bytes` at once (a heartbeat from a timer); false once the body has ended. */
  readonly unsafeWrite: (bytes: Uint8Array) => boolean
}

/**
 * A response body that one fiber writes: a Node `Readable` the server pipes to the socket. An Effect
 * `Stream` body costs the server about 500 runtime operations to run, whatever it carries
 * (`node bench/stream-costs.ts`); this costs one fiber. `write` starts when the server first reads the
 * body, so a response never sent starts nothing, and runs in a scope of its own that closes when it
 * ends. The body ends when `write` does; a client that goes away (the server destroys the body)
 * interrupts `write`. A `write` that fails or dies ends the body with that error.
 */
export const writtenBody = <R>(
  write: (sink: BodySink) => Effect.Effect<void, never, R>
): Effect.Effect<Readable, never, Exclude<R, Scope.Scope>> =>
  Effect.map(Effect.runtime<Exclude<R, Scope.Scope>>(), (runtime) => {
    let writer: Fiber.RuntimeFiber<void> | undefined
    // Open while the body holds less than its high-water mark: the writer waits on it to go on.
    const room = Effect.unsafeMakeLatch(true)
    const unsafeWrite = (bytes: Uint8Array) => {
      if (body.destroyed || body.readableEnded) return false
      if (!body.push(bytes)) room.unsafeClose()
      return true
    }
    const sink: BodySink = {
      write: (bytes) => Effect.suspend(() => (unsafeWrite(bytes) ? room.await : Effect.void)),
      unsafeWrite
    }
    const body: Readable = new Readable({
      read() {
        if (writer !== undefined) return room.unsafeOpen()
        writer = Runtime.runFork(runtime)(
          Effect.scoped(write(sink)).pipe(
            Effect.onExit((exit) =>
              Effect.sync(() => {
                if (Exit.isSuccess(exit)) body.push(null)
                else body.destroy(Cause.isInterruptedOnly(exit.cause) ? undefined : errorOf(exit.cause))
              })
            )
          )
        )
      },
      destroy(error, callback) {
        writer?.unsafeInterruptAsFork(FiberId.none)
        callback(error)
      }
    })
    return body
  })
