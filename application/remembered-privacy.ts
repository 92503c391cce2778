import { Effect, Layer, Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { StoreChanges, unchangedSince } from "./ports/store-changes.ts"
import { RecentlyUsed } from "./recently-used.ts"

type Setting = Option.Option<boolean>

/** A setting as this process last read or wrote it, and the store's mark of others' changes then. */
interface Remembered {
  readonly setting: Setting
  readonly mark: Option.Option<number>
}

/** Nobody else has written to the store since the setting was remembered. */
const stillSo = (remembered: Remembered, mark: Option.Option<number>) => unchangedSince(remembered.mark, mark)

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
 * sessions (least recently used go first).
 *
 * - While no other process has written to the store since (`StoreChanges`: the embedded SQLite file
 *   that one service process serves), a remembered setting is the answer: every change this process
 *   makes goes through here. Once another has written (a `worker` beside the service, several
 *   processes on one file), or where the store cannot tell (Convex), the store is read.
 * - A read the store fails is answered from what is remembered: a session this process has seen keeps
 *   its privacy decision through a store outage, so its writes can wait in the outbox; one it has not
 *   seen still fails, and its writes are refused.
 */
export const layerRememberedPrivacy = (capacity: number) =>
  Layer.effect(
    PrivacySettingsStore,
    Effect.gen(function* () {
      const store = yield* PrivacySettingsStore
      const { byOthers } = yield* StoreChanges
      const users = new RecentlyUsed<UserId, Remembered>(capacity)
      const sessions = new RecentlyUsed<SessionId, Remembered>(capacity)
      const settingOf = <K>(
        remembered: RecentlyUsed<K, Remembered>,
        key: K,
        read: Effect.Effect<Setting, StoreUnavailable>
      ) =>
        Effect.suspend(() => {
          const mark = byOthers()
          const known = remembered.recall(key)
          return Option.isSome(known) && stillSo(known.value, mark)
            ? Effect.succeed(known.value.setting)
            : readThrough(
                read,
                (setting) => void remembered.remember(key, { setting, mark }),
                () => Option.map(remembered.recall(key), (found) => found.setting)
              )
        })
      const written = <K>(
        remembered: RecentlyUsed<K, Remembered>,
        key: K,
        write: Effect.Effect<void, StoreUnavailable>,
        optOut: boolean
      ) =>
        Effect.suspend(() => {
          const mark = byOthers()
          return Effect.tap(
            write,
            () => void remembered.remember(key, { setting: Option.some(optOut), mark })
          )
        })
      return PrivacySettingsStore.of({
        getUser: (userId) => settingOf(users, userId, store.getUser(userId)),
        setUser: (userId, optOut) => written(users, userId, store.setUser(userId, optOut), optOut),
        getSession: (sessionId) => settingOf(sessions, sessionId, store.getSession(sessionId)),
        setSession: (sessionId, optOut) =>
          written(sessions, sessionId, store.setSession(sessionId, optOut), optOut),
        // Answered from memory only when both are remembered; remembered as the two reads would be.
        getOptOuts: (userId, sessionId) =>
          Effect.suspend(() => {
            const mark = byOthers()
            const user = users.recall(userId)
            const session = sessions.recall(sessionId)
            if (
              Option.isSome(user) &&
              Option.isSome(session) &&
              stillSo(user.value, mark) &&
              stillSo(session.value, mark)
            )
              return Effect.succeed({ user: user.value.setting, session: session.value.setting })
            return readThrough(
              store.getOptOuts(userId, sessionId),
              (answer) => {
                users.remember(userId, { setting: answer.user, mark })
                sessions.remember(sessionId, { setting: answer.session, mark })
              },
              () =>
                Option.all({
                  user: Option.map(users.recall(userId), (found) => found.setting),
                  session: Option.map(sessions.recall(sessionId), (found) => found.setting)
                })
            )
          }),
        deleteUser: (userId) => Effect.tap(store.deleteUser(userId), () => users.forget(userId)),
        deleteSession: (sessionId) =>
          Effect.tap(store.deleteSession(sessionId), () => sessions.forget(sessionId))
      })
    })
  )
