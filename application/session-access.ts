import { Effect, Layer, Option } from "effect"
import { SessionNotFound } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { owns } from "../domain/session-ownership.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { RecentlyUsed } from "./recently-used.ts"
import { spanWhenTraced } from "./traced.ts"

/**
 * What a request may do to a session: `read` (or delete) one the caller owns; `write` to one the
 * caller owns or that nobody has written to yet, which makes the caller its owner.
 */
export type SessionAccess = "read" | "write"

/**
 * Fails with `SessionNotFound` unless `userId` may act on the session as `access` says. Owners
 * never change, so the check holds for the read or write that follows it.
 */
export const AuthorizeSession = Effect.fnUntraced(function* (
  userId: UserId,
  sessionId: SessionId,
  access: SessionAccess
) {
  const owners = yield* SessionOwners
  const owner =
    access === "write"
      ? yield* owners.claim(sessionId, userId)
      : Option.getOrUndefined(yield* owners.ownerOf(sessionId))
  if (!owns(owner, userId)) return yield* new SessionNotFound({ sessionId })
}, spanWhenTraced("AuthorizeSession"))

/**
 * Remembers each owner the store answers, up to `capacity` sessions (least recently used go first).
 * Owners never change, so what is remembered stays true in every process, and a session this
 * process has seen keeps its check, and its writes, through a store outage.
 */
export const layerRememberedOwners = (capacity: number) =>
  Layer.effect(
    SessionOwners,
    Effect.map(SessionOwners, (store) => {
      const known = new RecentlyUsed<SessionId, UserId>(capacity)
      return SessionOwners.of({
        ownerOf: (sessionId) =>
          Option.match(known.recall(sessionId), {
            onSome: Effect.succeedSome,
            onNone: () =>
              Effect.map(
                store.ownerOf(sessionId),
                Option.map((owner) => known.remember(sessionId, owner))
              )
          }),
        claim: (sessionId, writer) =>
          Option.match(known.recall(sessionId), {
            onSome: Effect.succeed,
            onNone: () =>
              Effect.map(store.claim(sessionId, writer), (owner) => known.remember(sessionId, owner))
          }),
        sessionsOf: store.sessionsOf,
        countUnstored: store.countUnstored,
        messageCountOf: store.messageCountOf,
        release: (sessionId) => Effect.tap(store.release(sessionId), () => known.forget(sessionId))
      })
    })
  )
