import { Effect, Option } from "effect"
import type { UserId } from "../domain/ids.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { type OwnedSession, type SessionListRequest, SessionOwners } from "./ports/session-owners.ts"
import { spanWhenTraced } from "./traced.ts"

/** A listed session, and whether an interaction group is open in it now. */
export interface SessionSummary extends OwnedSession {
  readonly interactionOpen: boolean
}

/** Reads per page run this many at a time. */
const CONCURRENCY = 8

/** With whether an interaction is open in each session: one read per session, none per message. */
export const withInteractionState = (sessions: ReadonlyArray<OwnedSession>) =>
  Effect.flatMap(InteractionStore, (interactions) =>
    Effect.forEach(
      sessions,
      (session) =>
        Effect.map(interactions.interaction(session.sessionId), ({ state }): SessionSummary => ({
          ...session,
          interactionOpen: Option.isSome(state.open)
        })),
      { concurrency: CONCURRENCY }
    )
  )

/** A page of the user's sessions, newest activity first. */
export const ListSessions = Effect.fnUntraced(function* (owner: UserId, request: SessionListRequest) {
  const page = yield* Effect.flatMap(SessionOwners, (owners) => owners.sessionsOf(owner, request))
  return { sessions: yield* withInteractionState(page.sessions), next: page.next }
}, spanWhenTraced("ListSessions"))
