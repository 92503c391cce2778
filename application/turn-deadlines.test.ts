import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Ref, Scope, TestClock } from "effect"
import type { ModelFailed } from "../domain/errors.ts"
import { startTurn } from "./chat-turn.ts"
import { makeTurnDeadlines } from "./turn-deadlines.ts"

const timeouts = { idleTimeout: Duration.millis(400), turnTimeout: Duration.millis(1_000) }

/** A turn begun at 0, watched; answers its state and the failures its expiry was given. */
const watchedTurn = Effect.gen(function* () {
  const deadlines = yield* makeTurnDeadlines(timeouts)
  const state = yield* Ref.make(startTurn(0))
  const expired: Array<ModelFailed> = []
  const scope = yield* Scope.make()
  yield* deadlines.watch(state, (failure) => Effect.sync(() => expired.push(failure)), scope)
  return { state, expired, scope }
})

const textAt = (at: number) => (state: ReturnType<typeof startTurn>) => ({ ...state, lastTextAt: at })

describe("the turns' deadlines", () => {
  it.scoped("expire a turn with no text for the idle timeout, once, and not before", () =>
    Effect.gen(function* () {
      const { expired } = yield* watchedTurn
      yield* TestClock.adjust("360 millis")
      expect(expired).toEqual([])
      yield* TestClock.adjust("40 millis")
      expect(expired.map((failure) => failure.message)).toEqual([
        expect.stringContaining("no text from the model in")
      ])
      yield* TestClock.adjust("2 seconds")
      expect(expired).toHaveLength(1)
    })
  )

  it.scoped("start the idle timeout again at each text, and end a turn still going at the turn timeout", () =>
    Effect.gen(function* () {
      const { state, expired } = yield* watchedTurn
      for (const at of [300, 600, 900]) {
        yield* TestClock.setTime(at)
        yield* Ref.update(state, textAt(at))
      }
      expect(expired).toEqual([])
      yield* TestClock.setTime(1_000)
      expect(expired.map((failure) => [failure.reason, failure.message])).toEqual([
        ["timeout", expect.stringContaining("no complete reply in")]
      ])
    })
  )

  it.scoped("leave a turn that has ended, and one no longer watched, alone", () =>
    Effect.gen(function* () {
      const ended = yield* watchedTurn
      yield* Ref.update(ended.state, (state) => ({ ...state, ended: true }))
      const closed = yield* watchedTurn
      yield* Scope.close(closed.scope, Exit.void)
      yield* TestClock.adjust("2 seconds")
      expect([ended.expired, closed.expired]).toEqual([[], []])
    })
  )
})
