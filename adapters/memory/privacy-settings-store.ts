import { Effect, Layer, Option } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"

/** Privacy settings in process memory: the `test` deployment's store. */
export const make = Effect.sync(() => {
  const users = new Map<string, boolean>()
  const sessions = new Map<string, boolean>()
  return PrivacySettingsStore.of({
    getUser: (userId) => Effect.sync(() => Option.fromNullable(users.get(userId))),
    setUser: (userId, optOut) => Effect.sync(() => void users.set(userId, optOut)),
    getSession: (sessionId) => Effect.sync(() => Option.fromNullable(sessions.get(sessionId))),
    setSession: (sessionId, optOut) => Effect.sync(() => void sessions.set(sessionId, optOut)),
    getOptOuts: (userId, sessionId) =>
      Effect.sync(() => ({
        user: Option.fromNullable(users.get(userId)),
        session: Option.fromNullable(sessions.get(sessionId))
      })),
    deleteUser: (userId) => Effect.sync(() => Number(users.delete(userId))),
    deleteSession: (sessionId) => Effect.sync(() => Number(sessions.delete(sessionId)))
  })
})

export const layer = Layer.effect(PrivacySettingsStore, make)
