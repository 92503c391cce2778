import { Option, Schema } from "effect"

/** The stored privacy setting, at user level or as a session's override. */
export const PrivacySettings = Schema.Struct({ transcriptPersistenceOptOut: Schema.Boolean })
export type PrivacySettings = typeof PrivacySettings.Type

export type SkipReason = "persistence_disabled" | "session_opt_out" | "user_opt_out"

export type PersistenceDecision =
  { readonly persist: true } | { readonly persist: false; readonly reason: SkipReason }

export interface PrivacyInputs {
  /** `PERSIST_TRANSCRIPTS_ENABLED`: when off nothing is persisted, whatever the settings. */
  readonly persistenceEnabled: boolean
  readonly userOptOut: Option.Option<boolean>
  /** A session's own setting overrides the user's, in either direction. */
  readonly sessionOptOut: Option.Option<boolean>
}

/** Whether a session's message text may be written anywhere durable. */
export const decidePersistence = (inputs: PrivacyInputs): PersistenceDecision => {
  if (!inputs.persistenceEnabled) return { persist: false, reason: "persistence_disabled" }
  if (Option.isSome(inputs.sessionOptOut)) {
    return inputs.sessionOptOut.value ? { persist: false, reason: "session_opt_out" } : { persist: true }
  }
  return Option.getOrElse(inputs.userOptOut, () => false)
    ? { persist: false, reason: "user_opt_out" }
    : { persist: true }
}
