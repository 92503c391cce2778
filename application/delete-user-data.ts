import { Effect, Option } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import { DeleteSession } from "./delete-session.ts"
import { AssessmentQueue } from "./ports/assessment-queue.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { spanWhenTraced } from "./traced.ts"

/** Sessions taken per round. */
const ROUND = 100

/**
 * Deletes one session of the user as `DeleteSession` does, and its privacy override and owner with
 * it; answers how much went. The owner goes last, so a deletion cut short is found and finished
 * by the next one.
 */
const deleteOwnedSession = Effect.fnUntraced(function* (sessionId: SessionId) {
  const [groups, jobs] = yield* Effect.all([
    Effect.flatMap(InteractionStore, (interactions) => interactions.groups(sessionId)),
    Effect.flatMap(AssessmentQueue, (queue) => queue.jobsOf(sessionId))
  ])
  const { deleted } = yield* DeleteSession(sessionId)
  const override = yield* Effect.flatMap(PrivacySettingsStore, (privacy) => privacy.deleteSession(sessionId))
  yield* Effect.flatMap(SessionOwners, (owners) => owners.release(sessionId))
  return { messages: deleted, groups: groups.length, assessments: jobs.length, privacySettings: override }
})

/**
 * Deletes everything the service holds for a user, in every store: each session they own (its
 * transcript, in-process memory and backlog, interactions, classifications, assessment jobs and
 * results, privacy override and owner) and their own privacy setting. Answers how much went.
 */
export const DeleteUserData = Effect.fnUntraced(function* (userId: UserId) {
  const owners = yield* SessionOwners
  const totals = { sessions: 0, messages: 0, groups: 0, assessments: 0, privacySettings: 0 }
  // A released session leaves the list: each round takes the first sessions left.
  for (;;) {
    const { sessions } = yield* owners.sessionsOf(userId, { limit: ROUND, after: Option.none() })
    if (sessions.length === 0) break
    for (const { sessionId } of sessions) {
      const deleted = yield* deleteOwnedSession(sessionId)
      totals.sessions += 1
      totals.messages += deleted.messages
      totals.groups += deleted.groups
      totals.assessments += deleted.assessments
      totals.privacySettings += deleted.privacySettings
    }
  }
  totals.privacySettings += yield* Effect.flatMap(PrivacySettingsStore, (privacy) =>
    privacy.deleteUser(userId)
  )
  return { userId, ...totals }
}, spanWhenTraced("DeleteUserData"))
