import { Effect, Layer, Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { StoreChanges } from "./ports/store-changes.ts"
import { RememberedAnswers } from "./remembered-answers.ts"

type Setting = Option.Option<boolean>

/** A user's setting and a session's, kept apart. */
const userKey = (userId: UserId) => `user ${userId}`
const sessionKey = (sessionId: SessionId) => `session ${sessionId}`

/** The store's answer; when the store fails, what `recall` finds learnt, if anything. */
const orRecalled = <A>(read: Effect.Effect<A, StoreUnavailable>, recall: () => Option.Option<A>) =>
  Effect.catchAll(read, (error) =>
    Option.match(recall(), {
      onNone: () => Effect.fail(error),
      onSome: Effect.succeed
    })
  )

/**
 * Remembers the privacy settings the store answered or took, up to twice `capacity` users and sessions
 * together (least recently used go first), as `RememberedAnswers` keeps them.
 *
 * - While no other process has written to the store since (`StoreChanges`: the embedded SQLite file
 *   that one service process serves), a remembered setting is the answer: every change this process
 *   makes goes through here, and a read that raced one is not remembered. Once another has written (a
 *   `worker` beside the service, several processes on one file), or where the store cannot tell
 *   (Convex), the store is read.
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
      const settings = new RememberedAnswers<string, Setting>(2 * capacity, byOthers)
      const settingOf = (key: string, read: Effect.Effect<Setting, StoreUnavailable>) =>
        orRecalled(settings.answer(key, read), () => settings.last(key))
      return PrivacySettingsStore.of({
        getUser: (userId) => settingOf(userKey(userId), store.getUser(userId)),
        setUser: (userId, optOut) =>
          settings.write(userKey(userId), store.setUser(userId, optOut), () =>
            Option.some(Option.some(optOut))
          ),
        getSession: (sessionId) => settingOf(sessionKey(sessionId), store.getSession(sessionId)),
        setSession: (sessionId, optOut) =>
          settings.write(sessionKey(sessionId), store.setSession(sessionId, optOut), () =>
            Option.some(Option.some(optOut))
          ),
        // Answered from memory only when both are remembered; remembered as the two reads would be.
        getOptOuts: (userId, sessionId) =>
          Effect.suspend(() => {
            const known = settings.currentAll({ user: userKey(userId), session: sessionKey(sessionId) })
            if (Option.isSome(known)) return Effect.succeed(known.value)
            return orRecalled(
              settings.read(store.getOptOuts(userId, sessionId), (answer, remember) => {
                remember(userKey(userId), answer.user)
                remember(sessionKey(sessionId), answer.session)
              }),
              () =>
                Option.all({
                  user: settings.last(userKey(userId)),
                  session: settings.last(sessionKey(sessionId))
                })
            )
          }),
        // Deleted: nothing is set, which the next read learns from the store.
        deleteUser: (userId) =>
          settings.write(userKey(userId), store.deleteUser(userId), () => Option.none()),
        deleteSession: (sessionId) =>
          settings.write(sessionKey(sessionId), store.deleteSession(sessionId), () => Option.none())
      })
    })
  )
