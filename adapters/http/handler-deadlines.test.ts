import { describe, expect, it } from "@effect/vitest"
import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Duration, Effect, Exit, Fiber, FiberRef, Option, TestClock } from "effect"
import { handlerDeadlines } from "./handler-deadlines.ts"

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

  it.scoped("keep what a handler answered in time, and what it set for the response, failing or not", () =>
    Effect.gen(function* () {
      const within = yield* handlerDeadlines(Duration.seconds(1))
      const header = (name: string, value: string) =>
        HttpApp.appendPreResponseHandler((_, response) =>
          Effect.succeed(HttpServerResponse.setHeader(response, name, value))
        )
      const answered = yield* within(Effect.as(header("x-answered", "yes"), "answer"))
      expect(answered).toEqual(Exit.succeed("answer"))
      const failed = yield* within(Effect.zipRight(header("retry-after", "2"), Effect.fail("refused")))
      expect(failed).toEqual(Exit.fail("refused"))
      // Both, as the request's fiber will run them on its response.
      const handlers = yield* FiberRef.get(HttpApp.currentPreResponseHandlers)
      if (Option.isNone(handlers)) return expect.fail("no response handlers taken back")
      const request = HttpServerRequest.fromWeb(new Request("http://localhost/"))
      const response = yield* handlers.value(request, HttpServerResponse.empty())
      expect(response.headers).toMatchObject({ "x-answered": "yes", "retry-after": "2" })
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
