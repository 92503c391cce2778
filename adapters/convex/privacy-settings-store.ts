import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { call, callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeCount = Schema.decodeUnknownSync(Schema.Number)

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
      ),
    getOptOuts: (userId, sessionId) =>
      Effect.map(
        call("privacy_get_opt_outs", () =>
          caller.query(api.privacy.getOptOuts, { secret, userId, sessionId })
        ),
        ({ user, session }) => ({ user: Option.fromNullable(user), session: Option.fromNullable(session) })
      ),
    deleteUser: (userId) =>
      callDecoded("privacy_delete_user", decodeCount, () =>
        caller.mutation(api.privacy.deleteUser, { secret, userId })
      ),
    deleteSession: (sessionId) =>
      callDecoded("privacy_delete_session", decodeCount, () =>
        caller.mutation(api.privacy.deleteSession, { secret, sessionId })
      )
  })
})

export const layer = Layer.effect(PrivacySettingsStore, make)
