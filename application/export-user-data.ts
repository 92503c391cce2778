import { Clock, Effect, Option } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import type { TranscriptPosition } from "../domain/transcript.ts"
import { withInteractionState } from "./list-sessions.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { type SessionListPosition, SessionOwners } from "./ports/session-owners.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { ReadSessionAssessments } from "./read-assessments.ts"
import { spanWhenTraced } from "./traced.ts"

/** Sessions, and messages, read per page while exporting. */
const SESSION_PAGE = 100
const MESSAGE_PAGE = 500
/** Sessions read at once. */
const CONCURRENCY = 4

/** Every item of a paged read, page after page until one says no more follow. */
const collectPages = <A, P, E, R>(
  page: (
    after: Option.Option<P>
  ) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly next: Option.Option<P> }, E, R>
) =>
  Effect.gen(function* () {
    const items: Array<A> = []
    let after = Option.none<P>()
    do {
      const fetched = yield* page(after)
      items.push(...fetched.items)
      after = fetched.next
    } while (Option.isSome(after))
    return items
  })

const allSessionsOf = (owner: UserId) =>
  Effect.flatMap(SessionOwners, (owners) =>
    collectPages((after: Option.Option<SessionListPosition>) =>
      Effect.map(owners.sessionsOf(owner, { limit: SESSION_PAGE, after }), (page) => ({
        items: page.sessions,
        next: page.next
      }))
    )
  )

const transcriptOf = (sessionId: SessionId) =>
  Effect.flatMap(TranscriptStore, (store) =>
    collectPages((after: Option.Option<TranscriptPosition>) =>
      store.page(sessionId, { order: "asc", limit: MESSAGE_PAGE, after })
    )
  )

/**
 * Everything the service stores for a user: their privacy setting, and each of their sessions
 * (newest activity first) with its stored transcript, interaction groups, assessments and privacy
 * override. Messages an opted-out session keeps only in server memory are not stored, and not
 * exported.
 */
export const ExportUserData = Effect.fnUntraced(function* (userId: UserId) {
  const privacy = yield* PrivacySettingsStore
  const interactions = yield* InteractionStore
  const sessions = yield* withInteractionState(yield* allSessionsOf(userId))
  const exported = yield* Effect.forEach(
    sessions,
    (session) =>
      Effect.map(
        Effect.all({
          messages: transcriptOf(session.sessionId),
          groups: interactions.groups(session.sessionId),
          assessments: ReadSessionAssessments(session.sessionId),
          transcriptPersistenceOptOut: privacy.getSession(session.sessionId)
        }),
        (data) => ({ ...session, ...data })
      ),
    { concurrency: CONCURRENCY }
  )
  return {
    userId,
    exportedAt: yield* Clock.currentTimeMillis,
    transcriptPersistenceOptOut: yield* privacy.getUser(userId),
    sessions: exported
  }
}, spanWhenTraced("ExportUserData"))
