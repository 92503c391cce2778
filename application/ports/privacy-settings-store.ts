import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { SessionId, UserId } from "../../domain/ids.ts"

/** A user's setting and a session's override, read together: what one persistence decision needs. */
export interface OptOuts {
  readonly user: Option.Option<boolean>
  readonly session: Option.Option<boolean>
}

/** Stored `transcriptPersistenceOptOut` flags: one per user, and per-session overrides. */
export class PrivacySettingsStore extends Context.Tag("coachup/PrivacySettingsStore")<
  PrivacySettingsStore,
  {
    readonly getUser: (userId: UserId) => Effect.Effect<Option.Option<boolean>, StoreUnavailable>
    readonly setUser: (userId: UserId, optOut: boolean) => Effect.Effect<void, StoreUnavailable>
    readonly getSession: (sessionId: SessionId) => Effect.Effect<Option.Option<boolean>, StoreUnavailable>
    readonly setSession: (sessionId: SessionId, optOut: boolean) => Effect.Effect<void, StoreUnavailable>
    /** The user's setting and the session's override in one store call. */
    readonly getOptOuts: (userId: UserId, sessionId: SessionId) => Effect.Effect<OptOuts, StoreUnavailable>
    /** Forgets the user's own setting; answers how many were removed (0 or 1). */
    readonly deleteUser: (userId: UserId) => Effect.Effect<number, StoreUnavailable>
    /** Forgets the session's override; answers how many were removed (0 or 1). */
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<number, StoreUnavailable>
  }
>() {}
