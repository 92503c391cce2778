import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { acquireReleasePlain } from "./acquire-release-plain.ts"

describe("acquireReleasePlain", () => {
  it.effect("releases what it acquired once, when its scope closes, after what was acquired later", () =>
    Effect.gen(function* () {
      const released: Array<string> = []
      const scope = yield* Scope.make()
      const hold = (name: string) =>
        acquireReleasePlain(Effect.succeed(name), (held) => Effect.sync(() => void released.push(held)))
      expect(yield* Scope.extend(hold("first"), scope)).toBe("first")
      yield* Scope.extend(hold("second"), scope)
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
        Scope.extend(
          acquireReleasePlain(Effect.fail("refused"), () => Effect.sync(() => void released++)),
          scope
        )
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
      yield* Scope.extend(
        acquireReleasePlain(Effect.void, () => Effect.sync(() => void released++)),
        scope
      )
      expect(released).toBe(1)
    })
  )
})
