import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { SessionOwners } from "../../application/ports/session-owners.ts"
import { SessionId, UserId } from "../../domain/ids.ts"

/** The `SessionOwners` contract, run on every adapter with a fresh store per test. */
export const sessionOwnersContract = (name: string, makeLayer: () => Layer.Layer<SessionOwners, unknown>) =>
  describe(`SessionOwners contract: ${name}`, () => {
    const session = SessionId.make("session-1")
    const userA = UserId.make("user-a")
    const userB = UserId.make("user-b")

    it.effect("a session nobody wrote to has no owner", () =>
      Effect.gen(function* () {
        expect(yield* (yield* SessionOwners).ownerOf(session)).toEqual(Option.none())
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("the first writer owns the session for good; a later writer finds the owner it has", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        expect(yield* owners.claim(session, userA)).toBe(userA)
        expect(yield* owners.claim(session, userB)).toBe(userA)
        expect(yield* owners.claim(session, userA)).toBe(userA)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(userA))
        expect(yield* owners.claim(SessionId.make("session-2"), userB)).toBe(userB)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(userA))
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("of claims racing for one session, exactly one writer wins and every claim says which", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const writers = Array.from({ length: 8 }, (_, index) => UserId.make(`user-${index}`))
        const answers = yield* Effect.forEach(writers, (writer) => owners.claim(session, writer), {
          concurrency: "unbounded"
        })
        expect(new Set(answers).size).toBe(1)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(answers[0]))
      }).pipe(Effect.provide(makeLayer()))
    )
  })
