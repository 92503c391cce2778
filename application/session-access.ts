import { Effect, Option } from "effect"
import { SessionNotFound } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { owns } from "../domain/session-ownership.ts"
import { SessionOwners } from "./ports/session-owners.ts"

/**
 * What a request may do to a session: `read` (or delete) one the caller owns; `write` to one the
 * caller owns or that nobody has written to yet, which makes the caller its owner.
 */
export type SessionAccess = "read" | "write"

/**
 * Fails with `SessionNotFound` unless `userId` may act on the session as `access` says. Owners
 * never change, so the check holds for the read or write that follows it.
 */
export const AuthorizeSession = Effect.fn("AuthorizeSession")(function* (
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
})
