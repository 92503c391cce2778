import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, FiberRef, TestClock } from "effect"
import { handlerDeadlines } from "./handler-deadlines.ts"

const marked = FiberRef.unsafeMake("unset")

describe("handler deadlines on one sweep", () => {
  it.scoped("stop a handler past due at the first sweep after its deadline", () =>
    Effect.gen(function* () {
      const within = yield* handlerDeadlines(Duration.seconds(1))
      const running = yield* Effect.fork(within(Effect.never))
      // Swept every 100 ms: not yet at 900, stopped by the sweep at 1,000.
      yield* TestClock.adjust("900 millis")
      expect(running.unsafePoll()).toBeNull()
      yield* TestClock.adjust("100 millis")
      expect(yield* Fiber.join(running)).toBe("expired")
    })
  )

  it.scoped("keep what a handler answered in time, and what it set on its fiber", () =>
    Effect.gen(function* () {
      const within = yield* handlerDeadlines(Duration.seconds(1))
      const answered = yield* within(Effect.as(FiberRef.set(marked, "set by the handler"), "answer"))
      expect(answered).toEqual(Exit.succeed("answer"))
      expect(yield* FiberRef.get(marked)).toBe("set by the handler")
      const failed = yield* within(Effect.fail("refused"))
      expect(failed).toEqual(Exit.fail("refused"))
    })
  )

  it.scoped("let no late sweep touch a handler that answered", () =>
    Effect.gen(function* () {
      const within = yield* handlerDeadlines(Duration.seconds(1))
      const slow = yield* Effect.fork(within(Effect.as(Effect.sleep("500 millis"), "in time")))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(slow)).toEqual(Exit.succeed("in time"))
    })
  )
})
