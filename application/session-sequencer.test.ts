import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { SessionId } from "../domain/ids.ts"
import { SessionSequencer } from "./session-sequencer.ts"

const a = SessionId.make("a")
const b = SessionId.make("b")

describe("SessionSequencer", () => {
  it.effect("runs one session's work in arrival order, even when the first takes longest", () =>
    Effect.gen(function* () {
      const sequencer = yield* SessionSequencer
      const done: Array<string> = []
      const step = (name: string, millis: number) =>
        sequencer.run(
          a,
          Effect.delay(
            Effect.sync(() => done.push(name)),
            `${millis} millis`
          )
        )
      const fibers = yield* Effect.all(
        [step("first", 30), step("second", 10), step("third", 0)].map(Effect.fork)
      )
      yield* TestClock.adjust("100 millis")
      yield* Effect.forEach(fibers, Fiber.join)
      expect(done).toEqual(["first", "second", "third"])
    }).pipe(Effect.provide(SessionSequencer.layer))
  )

  it.effect("lets other sessions run meanwhile, and a failure does not block what follows", () =>
    Effect.gen(function* () {
      const sequencer = yield* SessionSequencer
      const done: Array<string> = []
      const slow = yield* Effect.fork(
        sequencer.run(
          a,
          Effect.delay(
            Effect.sync(() => done.push("a")),
            "50 millis"
          )
        )
      )
      const failing = yield* Effect.fork(Effect.either(sequencer.run(a, Effect.fail("boom"))))
      const after = yield* Effect.fork(
        sequencer.run(
          a,
          Effect.sync(() => done.push("a-after"))
        )
      )
      yield* sequencer.run(
        b,
        Effect.sync(() => done.push("b"))
      )
      expect(done).toEqual(["b"])
      yield* TestClock.adjust("50 millis")
      yield* Fiber.join(slow)
      expect((yield* Fiber.join(failing))._tag).toBe("Left")
      yield* Fiber.join(after)
      expect(done).toEqual(["b", "a", "a-after"])
    }).pipe(Effect.provide(SessionSequencer.layer))
  )

  it.effect("work interrupted while it waits does not let the next past the work still running", () =>
    Effect.gen(function* () {
      const sequencer = yield* SessionSequencer
      const done: Array<string> = []
      const first = yield* Effect.fork(
        sequencer.run(
          a,
          Effect.delay(
            Effect.sync(() => done.push("first")),
            "50 millis"
          )
        )
      )
      const waiting = yield* Effect.fork(
        sequencer.run(
          a,
          Effect.sync(() => done.push("interrupted"))
        )
      )
      const third = yield* Effect.fork(
        sequencer.run(
          a,
          Effect.sync(() => done.push("third"))
        )
      )
      yield* Fiber.interrupt(waiting)
      yield* TestClock.adjust("10 millis")
      expect(done).toEqual([])
      yield* TestClock.adjust("40 millis")
      yield* Fiber.join(first)
      yield* Fiber.join(third)
      expect(done).toEqual(["first", "third"])
    }).pipe(Effect.provide(SessionSequencer.layer))
  )
})
