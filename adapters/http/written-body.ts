import { Readable } from "node:stream"
import { Cause, Effect, Exit, type Fiber, FiberId, Runtime, Scope } from "effect"

const errorOf = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error : new Error(String(error))
}

/**
 * Services a body's writer may need, but not a `Scope`: the request's would close before the body is
 * written. The writer registers what it holds on the scope it is given.
 */
export type WithoutScope<R> = [Scope.Scope] extends [R] ? never : R

/** Where a response's writer puts its bytes. */
export interface BodySink {
  /** Queues `bytes`, then waits while the body holds more than the client has taken. */
  readonly write: (bytes: Uint8Array) => Effect.Effect<void>
  /**
   * Queues `bytes` at once if the body holds nothing unsent and has not ended (a heartbeat, which a
   * frame waiting to go makes needless); answers whether it did.
   */
  readonly unsafeWriteIfIdle: (bytes: Uint8Array) => boolean
}

/**
 * A response body that one fiber writes: a Node `Readable` the server pipes to the socket. An Effect
 * `Stream` body costs the server about 500 runtime operations to run, whatever it carries
 * (`node bench/stream-costs.ts`); this costs one fiber. `write` starts when the server first reads the
 * body, so a response never sent starts nothing. It runs, interruptible, on the caller's runtime (its
 * services, request id and log annotations), given a scope of its own that closes after the body has
 * ended. The scope is an argument rather than a service: providing it would copy the writer's services
 * for as long as the body is written (some 2 KiB per open stream). A client that goes away (the server
 * destroys the body) interrupts `write`; a `write` that dies ends the body with that error.
 */
export const writtenBody = <R>(
  write: (sink: BodySink, scope: Scope.Scope) => Effect.Effect<void, never, WithoutScope<R>>
): Effect.Effect<Readable, never, R> =>
  Effect.map(Effect.runtime<R>(), (runtime) => {
    let writer: Fiber.RuntimeFiber<void> | undefined
    let ended = false
    // Open while the body holds less than its high-water mark: the writer waits on it to go on. Waited
    // on only once closed (`full`): a latch's wait costs an interruptible async even when open.
    const room = Effect.unsafeMakeLatch(true)
    let full = false
    const push = (bytes: Uint8Array) => {
      if (ended || body.destroyed) return false
      if (!body.push(bytes)) {
        full = true
        room.unsafeClose()
      }
      return true
    }
    const sink: BodySink = {
      write: (bytes) => Effect.suspend(() => (push(bytes) && full ? room.await : Effect.void)),
      unsafeWriteIfIdle: (bytes) => body.readableLength === 0 && push(bytes)
    }
    const end = Effect.sync(() => {
      ended = true
      body.push(null)
    })
    const body: Readable = new Readable({
      read() {
        if (writer !== undefined) {
          full = false
          return room.unsafeOpen()
        }
        writer = Runtime.runFork(runtime)(
          Effect.flatMap(Scope.make(), (scope) =>
            Effect.onExit(Effect.interruptible(Effect.zipRight(write(sink, scope), end)), (exit) =>
              Effect.ensuring(
                Scope.close(scope, exit),
                Exit.isSuccess(exit)
                  ? Effect.void
                  : Effect.sync(() =>
                      body.destroy(Cause.isInterruptedOnly(exit.cause) ? undefined : errorOf(exit.cause))
                    )
              )
            )
          )
        )
      },
      destroy(error, callback) {
        writer?.unsafeInterruptAsFork(FiberId.none)
        // A writer waiting for room gets it: its writes now go nowhere.
        full = false
        room.unsafeOpen()
        callback(error)
      }
    })
    return body
  })
