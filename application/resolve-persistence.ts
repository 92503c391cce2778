import { Config, Context, Effect, type Either, Layer } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import type { SessionId, UserId } from "../domain/ids.ts"
import { decidePersistence, type PersistenceDecision } from "../domain/privacy-policy.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"

/** What `TranscriptPersistence.layerConfig` reads. */
export const config = Config.all({
  enabled: Config.boolean("PERSIST_TRANSCRIPTS_ENABLED").pipe(Config.withDefault(true))
})

/** The service-wide switch: `PERSIST_TRANSCRIPTS_ENABLED` off means nothing is persisted for anyone. */
export class TranscriptPersistence extends Context.Tag("coachup/TranscriptPersistence")<
  TranscriptPersistence,
  { readonly enabled: boolean }
>() {
  static readonly layerConfig = Layer.effect(TranscriptPersistence, config)
}

/**
 * Whether this session's text may be written durably, from the global switch, the user's setting
 * and the session's override. Fails with `StoreUnavailable` when the settings cannot be read:
 * callers then keep the text in memory only, the safe side of an opt-out they cannot see.
 */
export const resolvePersistence = Effect.fnUntraced(function* (userId: UserId, sessionId: SessionId) {
  const { enabled } = yield* TranscriptPersistence
  if (!enabled) {
    const disabled: PersistenceDecision = { persist: false, reason: "persistence_disabled" }
    return disabled
  }
  const { user, session } = yield* (yield* PrivacySettingsStore).getOptOuts(userId, sessionId)
  return decidePersistence({ persistenceEnabled: true, userOptOut: user, sessionOptOut: session })
})

/** A persistence decision, or why it could not be made: what the writers and readers act on. */
export type PersistencePolicy = Either.Either<PersistenceDecision, StoreUnavailable>

/** The decision as a value, so that one request can resolve it once and pass it along. */
export const resolvePersistencePolicy = (userId: UserId, sessionId: SessionId) =>
  Effect.either(resolvePersistence(userId, sessionId))
