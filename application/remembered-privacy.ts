import { Effect, Layer, Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { RecentlyUsed } from "./recently-used.ts"

type Setting = Option.Option<boolean>

/** The store's answer, remembered; when the store fails, the setting remembered for `key`, if any. */
const readThrough = <K>(
  known: RecentlyUsed<K, Setting>,
  key: K,
  read: Effect.Effect<Setting, StoreUnavailable>
) =>
  read.pipe(
    Effect.tap((setting) => {
      known.remember(key, setting)
    }),
    Effect.catchAll((error) =>
      Option.match(known.recall(key), {
        onNone: () => Effect.fail(error),
        onSome: (setting) => Effect.succeed(setting)
      })
    )
  )

/**
 * Remembers the privacy settings the store answered or took, up to `capacity` users and as many
 * sessions (least recently used go first). A read the store fails is answered from what is
 * remembered: a session this process has seen keeps its privacy decision through a store outage,
 * so its writes can wait in the outbox; one it has not seen still fails, and its writes are refused.
 */
export const layerRememberedPrivacy = (capacity: number) =>
  Layer.effect(
    PrivacySettingsStore,
    Effect.map(PrivacySettingsStore, (store) => {
      const users = new RecentlyUsed<UserId, Setting>(capacity)
      const sessions = new RecentlyUsed<SessionId, Setting>(capacity)
      return PrivacySettingsStore.of({
        getUser: (userId) => readThrough(users, userId, store.getUser(userId)),
        setUser: (userId, optOut) =>
          Effect.tap(store.setUser(userId, optOut), () => {
            users.remember(userId, Option.some(optOut))
          }),
        getSession: (sessionId) => readThrough(sessions, sessionId, store.getSession(sessionId)),
        // Remembered as the two reads would be; recalled only when both are known.
        getOptOuts: (userId, sessionId) =>
          store.getOptOuts(userId, sessionId).pipe(
            Effect.tap(({ user, session }) => {
              users.remember(userId, user)
              sessions.remember(sessionId, session)
            }),
            Effect.catchAll((error) =>
              Option.match(Option.all({ user: users.recall(userId), session: sessions.recall(sessionId) }), {
                onNone: () => Effect.fail(error),
                onSome: Effect.succeed
              })
            )
          ),
        setSession: (sessionId, optOut) =>
          Effect.tap(store.setSession(sessionId, optOut), () => {
            sessions.remember(sessionId, Option.some(optOut))
          }),
        deleteUser: (userId) => Effect.tap(store.deleteUser(userId), () => users.forget(userId)),
        deleteSession: (sessionId) =>
          Effect.tap(store.deleteSession(sessionId), () => sessions.forget(sessionId))
      })
    })
  )
