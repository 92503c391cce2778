import { Effect, Option } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import type { PrivacySettings } from "../domain/privacy-policy.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { annotateSpan, spanWhenTraced } from "./traced.ts"

/** The user's own setting; a user who never chose is not opted out. */
export const ReadUserPrivacy = Effect.fnUntraced(function* (userId: UserId) {
  const store = yield* PrivacySettingsStore
  const optOut = yield* store.getUser(userId)
  return { transcriptPersistenceOptOut: Option.getOrElse(optOut, () => false) } satisfies PrivacySettings
}, spanWhenTraced("ReadUserPrivacy"))

/**
 * The opt-out a session follows for the calling user: its own override, else the user's setting,
 * else not opted out — and which of the three it is.
 */
export const ReadSessionPrivacy = Effect.fnUntraced(function* (userId: UserId, sessionId: SessionId) {
  const { session, user } = yield* (yield* PrivacySettingsStore).getOptOuts(userId, sessionId)
  const [optOut, source] = Option.isSome(session)
    ? [session.value, "session" as const]
    : Option.isSome(user)
      ? [user.value, "user" as const]
      : [false, "default" as const]
  return { transcriptPersistenceOptOut: optOut, source }
}, spanWhenTraced("ReadSessionPrivacy"))

/**
 * Sets the opt-out for a user or for one session (which overrides the user's). It governs what is
 * written from now on; what was stored before stays until the session is deleted or expires.
 */
export const UpdatePrivacySettings = Effect.fnUntraced(function* (
  scope: { readonly userId: UserId } | { readonly sessionId: SessionId },
  settings: PrivacySettings
) {
  const store = yield* PrivacySettingsStore
  yield* "userId" in scope
    ? store.setUser(scope.userId, settings.transcriptPersistenceOptOut)
    : store.setSession(scope.sessionId, settings.transcriptPersistenceOptOut)
  yield* annotateSpan({ scope: "userId" in scope ? "user" : "session" })
  return settings
}, spanWhenTraced("UpdatePrivacySettings"))
