import { once } from "node:events"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Scope } from "effect"
import { type BodySink, writtenBody } from "./written-body.ts"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Everything the body gives until it ends. */
const readAll = (body: NodeJS.ReadableStream) =>
  Effect.promise(async () => {
    let text = ""
    for await (const chunk of body) text += decoder.decode(chunk as Uint8Array)
    return text
  })

describe("writtenBody", () => {
  it.effect("starts its writer at the first read, and ends when the writer does", () =>
    Effect.gen(function* () {
      let started = false
      const body = yield* writtenBody((sink) =>
        Effect.gen(function* () {
          started = true
          yield* sink.write(encoder.encode("one "))
          yield* sink.write(encoder.encode("two"))
        })
      )
      expect(started).toBe(false)
      expect(yield* readAll(body)).toBe("one two")
      expect(started).toBe(true)
    })
  )

  it.effect("interrupts its writer, closing the writer's scope, when the body is destroyed", () =>
    Effect.gen(function* () {
      const writing = yield* Deferred.make<void>()
      const closed = yield* Deferred.make<void>()
      const body = yield* writtenBody((sink, scope) =>
        Effect.gen(function* () {
          yield* Scope.addFinalizer(scope, Deferred.succeed(closed, undefined))
          yield* sink.write(encoder.encode("hello"))
          yield* Deferred.succeed(writing, undefined)
          return yield* Effect.never
        })
      )
      body.resume()
      yield* Deferred.await(writing)
      // As the server does when the client goes away.
      body.destroy()
      yield* Deferred.await(closed)
      expect(body.destroyed).toBe(true)
    })
  )

  it.effect("waits while the body holds more than its reader has taken", () =>
    Effect.gen(function* () {
      let written = 0
      const chunk = new Uint8Array(64 * 1024)
      const body = yield* writtenBody((sink) =>
        Effect.gen(function* () {
          for (let i = 0; i < 8; i++) {
            yield* sink.write(chunk)
            written++
          }
        })
      )
      // The first read starts the writer; nothing takes what it writes.
      body.read(0)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      expect(written).toBe(0)
      const all = yield* readAll(body)
      expect(written).toBe(8)
      expect(all.length).toBe(8 * 64 * 1024)
    })
  )

  it.effect("queues a write at once only while nothing waits unsent, and none after the end", () =>
    Effect.gen(function* () {
      const ready = yield* Deferred.make<BodySink>()
      const done = yield* Deferred.make<void>()
      const body = yield* writtenBody((sink) =>
        Effect.gen(function* () {
          yield* sink.write(encoder.encode("frame "))
          yield* Deferred.succeed(ready, sink)
          yield* Deferred.await(done)
        })
      )
      body.read(0)
      const sink = yield* Deferred.await(ready)
      // A heartbeat behind a frame the client has not taken is needless.
      expect(sink.unsafeWriteIfIdle(encoder.encode("beat "))).toBe(false)
      expect(decoder.decode(body.read() as Uint8Array)).toBe("frame ")
      expect(sink.unsafeWriteIfIdle(encoder.encode("beat "))).toBe(true)
      yield* Deferred.succeed(done, undefined)
      expect(yield* readAll(body)).toBe("beat ")
      expect(sink.unsafeWriteIfIdle(encoder.encode("late"))).toBe(false)
    })
  )

  it.effect("ends the body with the writer's defect", () =>
    Effect.gen(function* () {
      const body = yield* writtenBody(() => Effect.die(new Error("writer broke")))
      body.resume()
      const [error] = yield* Effect.promise(() => once(body, "error"))
      expect((error as Error).message).toBe("writer broke")
    })
  )
})
