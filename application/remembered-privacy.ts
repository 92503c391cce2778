import { Effect, Layer, Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { RecentlyUsed } from "./recently-used.ts"

type Setting = Option.Option<boolean>

/** The store's answer, remembered; when the store fails, what `recall` finds remembered, if anything. */
const readThrough = <A>(
  read: Effect.Effect<A, StoreUnavailable>,
  remember: (answer: A) => void,
  recall: () => Option.Option<A>
) =>
  read.pipe(
    Effect.tap(remember),
    Effect.catchAll((error) =>
      Option.match(recall(), {
        onNone: () => Effect.fail(error),
        onSome: Effect.succeed
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
        getUser: (userId) =>
          readThrough(
            store.getUser(userId),
            (setting) => users.remember(userId, setting),
            () => users.recall(userId)
          ),
        setUser: (userId, optOut) =>
          Effect.tap(store.setUser(userId, optOut), () => {
            users.remember(userId, Option.some(optOut))
          }),
        getSession: (sessionId) =>
          readThrough(
            store.getSession(sessionId),
            (setting) => sessions.remember(sessionId, setting),
            () => sessions.recall(sessionId)
          ),
        // Remembered as the two reads would be; recalled only when both are known.
        getOptOuts: (userId, sessionId) =>
          readThrough(
            store.getOptOuts(userId, sessionId),
            ({ user, session }) => {
              users.remember(userId, user)
              sessions.remember(sessionId, session)
            },
            () => Option.all({ user: users.recall(userId), session: sessions.recall(sessionId) })
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
