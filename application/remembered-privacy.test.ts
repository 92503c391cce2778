import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import * as MemoryPrivacy from "../adapters/memory/privacy-settings-store.ts"
import { StoreUnavailable } from "../domain/errors.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { layerRememberedPrivacy } from "./remembered-privacy.ts"

/** Memory settings whose reads fail while `down.now` is set. */
const flaky = (down: { now: boolean }) =>
  Layer.effect(
    PrivacySettingsStore,
    Effect.map(MemoryPrivacy.make, (store) => {
      const gate = <A>(read: Effect.Effect<A, StoreUnavailable>) =>
        Effect.suspend(() =>
          down.now ? Effect.fail(new StoreUnavailable({ operation: "read", reason: "down (test)" })) : read
        )
      return PrivacySettingsStore.of({
        ...store,
        getUser: (userId) => gate(store.getUser(userId)),
        getSession: (sessionId) => gate(store.getSession(sessionId)),
        getOptOuts: (userId, sessionId) => gate(store.getOptOuts(userId, sessionId))
      })
    })
  )

const user = UserId.make("user-1")
const seen = SessionId.make("seen")
const unseen = SessionId.make("unseen")

describe("remembered privacy settings", () => {
  it.effect("answers both flags from memory through an outage only when it knows both", () => {
    const down = { now: false }
    return Effect.gen(function* () {
      const store = yield* PrivacySettingsStore
      yield* store.setSession(seen, true)
      expect(yield* store.getOptOuts(user, seen)).toEqual({ user: Option.none(), session: Option.some(true) })
      down.now = true
      expect(yield* store.getOptOuts(user, seen)).toEqual({ user: Option.none(), session: Option.some(true) })
      // The user is known, this session is not: no decision from half of it.
      expect(Either.isLeft(yield* Effect.either(store.getOptOuts(user, unseen)))).toBe(true)
    }).pipe(Effect.provide(layerRememberedPrivacy(10).pipe(Layer.provide(flaky(down)))))
  })
})
