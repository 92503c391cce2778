import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { SessionId, UserId } from "../../domain/ids.ts"

/** The `PrivacySettingsStore` contract, run on every adapter with a fresh store per test. */
export const privacySettingsStoreContract = (
  name: string,
  makeLayer: () => Layer.Layer<PrivacySettingsStore, unknown>
) =>
  describe(`PrivacySettingsStore contract: ${name}`, () => {
    const user = UserId.make("user-1")
    const session = SessionId.make("session-1")

    it.effect("a user or session that never chose has no setting", () =>
      Effect.gen(function* () {
        const store = yield* PrivacySettingsStore
        expect(yield* store.getUser(user)).toEqual(Option.none())
        expect(yield* store.getSession(session)).toEqual(Option.none())
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("stores, overwrites and keeps user and session settings apart", () =>
      Effect.gen(function* () {
        const store = yield* PrivacySettingsStore
        yield* store.setUser(user, true)
        expect(yield* store.getUser(user)).toEqual(Option.some(true))
        expect(yield* store.getSession(SessionId.make("user-1"))).toEqual(Option.none())
        yield* store.setUser(user, false)
        expect(yield* store.getUser(user)).toEqual(Option.some(false))
        yield* store.setSession(session, true)
        expect(yield* store.getSession(session)).toEqual(Option.some(true))
        expect(yield* store.getUser(UserId.make("user-2"))).toEqual(Option.none())
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("reads a user's setting and a session's override together, each as read alone", () =>
      Effect.gen(function* () {
        const store = yield* PrivacySettingsStore
        expect(yield* store.getOptOuts(user, session)).toEqual({
          user: Option.none(),
          session: Option.none()
        })
        yield* store.setUser(user, true)
        expect(yield* store.getOptOuts(user, session)).toEqual({
          user: Option.some(true),
          session: Option.none()
        })
        yield* store.setSession(session, false)
        expect(yield* store.getOptOuts(user, session)).toEqual({
          user: Option.some(true),
          session: Option.some(false)
        })
        expect(yield* store.getOptOuts(UserId.make("user-2"), session)).toEqual({
          user: Option.none(),
          session: Option.some(false)
        })
        expect(yield* store.getOptOuts(user, SessionId.make("session-2"))).toEqual({
          user: Option.some(true),
          session: Option.none()
        })
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("deletes a user's setting and a session's override, answering how many went", () =>
      Effect.gen(function* () {
        const store = yield* PrivacySettingsStore
        const other = SessionId.make("session-2")
        yield* store.setUser(user, true)
        yield* store.setSession(session, true)
        yield* store.setSession(other, false)
        expect(yield* store.deleteUser(user)).toBe(1)
        expect(yield* store.deleteSession(session)).toBe(1)
        expect(yield* store.getUser(user)).toEqual(Option.none())
        expect(yield* store.getSession(session)).toEqual(Option.none())
        expect(yield* store.getSession(other)).toEqual(Option.some(false))
        expect(yield* store.deleteUser(user)).toBe(0)
        expect(yield* store.deleteSession(session)).toBe(0)
      }).pipe(Effect.provide(makeLayer()))
    )
  })
