import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { acquireReleasePlain } from "./acquire-release-plain.ts"

describe("acquireReleasePlain", () => {
  it.effect("releases what it acquired once, when its scope closes, after what was acquired later", () =>
    Effect.gen(function* () {
      const released: Array<string> = []
      const scope = yield* Scope.make()
      const hold = (name: string) =>
        acquireReleasePlain(scope, Effect.succeed(name), (held) =>
          Effect.sync(() => void released.push(held))
        )
      expect(yield* hold("first")).toBe("first")
      yield* hold("second")
      expect(released).toEqual([])
      yield* Scope.close(scope, Exit.void)
      yield* Scope.close(scope, Exit.void)
      expect(released).toEqual(["second", "first"])
    })
  )

  it.effect("registers nothing when acquiring fails", () =>
    Effect.gen(function* () {
      let released = 0
      const scope = yield* Scope.make()
      const failed = yield* Effect.exit(
        acquireReleasePlain(scope, Effect.fail("refused"), () => Effect.sync(() => void released++))
      )
      expect(failed).toEqual(Exit.fail("refused"))
      yield* Scope.close(scope, Exit.void)
      expect(released).toBe(0)
    })
  )

  it.effect("releases at once what is acquired into a scope already closed", () =>
    Effect.gen(function* () {
      let released = 0
      const scope = yield* Scope.make()
      yield* Scope.close(scope, Exit.void)
      yield* acquireReleasePlain(scope, Effect.void, () => Effect.sync(() => void released++))
      expect(released).toBe(1)
    })
  )
})
