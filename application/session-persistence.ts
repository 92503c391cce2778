import { Context, Deferred, Effect, FiberId } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import {
  type PersistencePolicy,
  resolvePersistenceWith,
  TranscriptPersistence
} from "./resolve-persistence.ts"

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
    Effect.contextWithEffect((context: Context.Context<TranscriptPersistence | PrivacySettingsStore>) => {
      // Only the two services resolving reads are kept, not the caller's whole context: they are kept
      // with the policy for as long as the request's work lasts (a chat reply's). The span a reader is
      // in stays the parent of the settings reads.
      const persistence = Context.get(context, TranscriptPersistence)
      const settings = Context.get(context, PrivacySettingsStore)
      // Once resolved, the policy is answered as a value: no wait, no masking. Until then, the readers
      // wait on `resolving`, made by the first of them.
      let known: PersistencePolicy | undefined
      let resolving: Deferred.Deferred<PersistencePolicy> | undefined
      // The first to need it resolves it, whole, for the rest of the request; the others wait for it.
      // Asking and completing are one step: an interruption between them would leave the others
      // waiting for ever. A resolution that is interrupted completes it as interrupted.
      const pending = Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (resolving !== undefined) return restore(Deferred.await(resolving))
          const resolved = Deferred.unsafeMake<PersistencePolicy>(FiberId.none)
          resolving = resolved
          const resolve = Effect.tap(
            Effect.either(resolvePersistenceWith(persistence, settings)(userId, sessionId)),
            (policy) => {
              known = policy
              resolving = undefined
            }
          )
          return Effect.zipRight(
            Deferred.complete(resolved, restore(resolve)),
            restore(Deferred.await(resolved))
          )
        })
      )
      const policy = Effect.suspend(() => (known === undefined ? pending : Effect.succeed(known)))
      return Effect.provideService(effect, SessionPersistence, { policy })
    })
