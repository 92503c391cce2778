import { Effect, Layer, Option, Redacted } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { call, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

/** `PrivacySettingsStore` on Convex. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return PrivacySettingsStore.of({
    getUser: (userId) =>
      Effect.map(
        call("privacy_get_user", () => caller.query(api.privacy.getUser, { secret, userId })),
        Option.fromNullable
      ),
    setUser: (userId, optOut) =>
      call("privacy_set_user", () => caller.mutation(api.privacy.setUser, { secret, userId, optOut })),
    getSession: (sessionId) =>
      Effect.map(
        call("privacy_get_session", () => caller.query(api.privacy.getSession, { secret, sessionId })),
        Option.fromNullable
      ),
    setSession: (sessionId, optOut) =>
      call("privacy_set_session", () =>
        caller.mutation(api.privacy.setSession, { secret, sessionId, optOut })
      )
  })
})

export const layer = Layer.effect(PrivacySettingsStore, make)
