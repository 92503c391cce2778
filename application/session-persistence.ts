import { Context, Duration, Effect } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import { type PersistencePolicy, resolvePersistencePolicy } from "./resolve-persistence.ts"

/**
 * The persistence policy of the session a request works on, shared by the use cases it calls
 * (recording, context windows, classification): one privacy decision per request. Resolved when
 * first needed, so a request that never needs it (a context window from memory) reads no settings.
 */
export class SessionPersistence extends Context.Tag("coachup/SessionPersistence")<
  SessionPersistence,
  { readonly policy: Effect.Effect<PersistencePolicy> }
>() {}

/** The policy of the session at hand. */
export const sessionPolicy = Effect.flatMap(SessionPersistence, (persistence) => persistence.policy)

/**
 * Runs `effect` with the session's persistence policy, resolved at most once. Work that must decide
 * again (a reply recorded after it streamed) wraps itself in its own.
 */
export const withSessionPersistence =
  (userId: UserId, sessionId: SessionId) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(
      // Kept for the rest of the request once resolved.
      Effect.cachedWithTTL(resolvePersistencePolicy(userId, sessionId), Duration.infinity),
      (policy) => Effect.provideService(effect, SessionPersistence, { policy })
    )
