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
  return yield* resolvePersistenceWith(yield* TranscriptPersistence, yield* PrivacySettingsStore)(
    userId,
    sessionId
  )
})

const disabled: PersistenceDecision = { persist: false, reason: "persistence_disabled" }

/** `resolvePersistence` with the two services it reads given, for work that keeps them. */
export const resolvePersistenceWith =
  (persistence: TranscriptPersistence["Type"], settings: PrivacySettingsStore["Type"]) =>
  (userId: UserId, sessionId: SessionId): Effect.Effect<PersistenceDecision, StoreUnavailable> =>
    persistence.enabled
      ? Effect.map(settings.getOptOuts(userId, sessionId), ({ user, session }) =>
          decidePersistence({ persistenceEnabled: true, userOptOut: user, sessionOptOut: session })
        )
      : Effect.succeed(disabled)

/** A persistence decision, or why it could not be made: what the writers and readers act on. */
export type PersistencePolicy = Either.Either<PersistenceDecision, StoreUnavailable>
