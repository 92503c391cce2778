import { Effect, type Either } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { decidePersistence, type PersistenceDecision } from "../domain/privacy-policy.ts"
import { ConversationSettings } from "./conversation-settings.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"

/**
 * Whether this session's text may be written durably, from the global switch, the user's setting
 * and the session's override. Fails with `StoreUnavailable` when the settings cannot be read:
 * callers then keep the text in memory only, the safe side of an opt-out they cannot see.
 */
export const resolvePersistence = Effect.fn("ResolvePersistence")(function* (
  userId: UserId,
  sessionId: SessionId
) {
  const settings = yield* ConversationSettings
  if (!settings.persistTranscriptsEnabled) {
    const disabled: PersistenceDecision = { persist: false, reason: "persistence_disabled" }
    return disabled
  }
  const privacy = yield* PrivacySettingsStore
  const [userOptOut, sessionOptOut] = yield* Effect.all(
    [privacy.getUser(userId), privacy.getSession(sessionId)],
    {
      concurrency: 2
    }
  )
  return decidePersistence({ persistenceEnabled: true, userOptOut, sessionOptOut })
})

/** A persistence decision, or why it could not be made: what the writers and readers act on. */
export type PersistencePolicy = Either.Either<PersistenceDecision, StoreUnavailable>

/** The decision as a value, so that one request can resolve it once and pass it along. */
export const resolvePersistencePolicy = (userId: UserId, sessionId: SessionId) =>
  Effect.either(resolvePersistence(userId, sessionId))
