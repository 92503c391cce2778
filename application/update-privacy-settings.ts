import { Effect, Option } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import type { PrivacySettings } from "../domain/privacy-policy.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"

/** The user's own setting; a user who never chose is not opted out. */
export const ReadUserPrivacy = Effect.fn("ReadUserPrivacy")(function* (userId: UserId) {
  const store = yield* PrivacySettingsStore
  const optOut = yield* store.getUser(userId)
  return { transcriptPersistenceOptOut: Option.getOrElse(optOut, () => false) } satisfies PrivacySettings
})

/**
 * Sets the opt-out for a user or for one session (which overrides the user's). It governs what is
 * written from now on; what was stored before stays until the session is deleted or expires.
 */
export const UpdatePrivacySettings = Effect.fn("UpdatePrivacySettings")(function* (
  scope: { readonly userId: UserId } | { readonly sessionId: SessionId },
  settings: PrivacySettings
) {
  const store = yield* PrivacySettingsStore
  yield* "userId" in scope
    ? store.setUser(scope.userId, settings.transcriptPersistenceOptOut)
    : store.setSession(scope.sessionId, settings.transcriptPersistenceOptOut)
  yield* Effect.annotateCurrentSpan({ scope: "userId" in scope ? "user" : "session" })
  return settings
})
