import { Effect, Layer, Option } from "effect"
import {
  type InteractionGroup,
  InteractionStore,
  type MessageClassification
} from "../../application/ports/interaction-store.ts"
import type { BoundaryDecision } from "../../domain/boundary.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import { noInteraction } from "../../domain/interaction-group.ts"
import { query, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

interface SessionRow {
  readonly version: number
  readonly open_group_id: string | null
  readonly opened_at: number | null
  readonly last_activity_at: number | null
  readonly messages: number | null
}

interface ClassificationRow {
  readonly message_id: string
  readonly session_id: string
  readonly decision: string
  readonly applied: string
  readonly confidence: number
  readonly group_id: string | null
  readonly classified_at: number
}

interface GroupRow {
  readonly group_id: string
  readonly session_id: string
  readonly status: "open" | "closed"
  readonly opened_at: number
  readonly closed_at: number | null
  readonly close_reason: "ended" | "restarted" | "idle" | null
  readonly messages: number
  readonly assessment_requested: number
}

const toClassification = (row: ClassificationRow): MessageClassification => ({
  messageId: row.message_id as MessageId,
  sessionId: row.session_id as SessionId,
  decision: row.decision as BoundaryDecision,
  applied: row.applied as BoundaryDecision,
  confidence: row.confidence,
  groupId: Option.fromNullable(row.group_id as GroupId | null),
  at: row.classified_at
})

const toGroup = (row: GroupRow): InteractionGroup => ({
  groupId: row.group_id as GroupId,
  sessionId: row.session_id as SessionId,
  status: row.status,
  openedAt: row.opened_at,
  closedAt: Option.fromNullable(row.closed_at),
  closeReason: Option.fromNullable(row.close_reason),
  messages: row.messages,
  assessmentRequested: row.assessment_requested === 1
})

/** `InteractionStore` on `node:sqlite`: each commit is one immediate transaction. */
export const make = Effect.gen(function* () {
  const db = yield* SqliteDatabase
  const statements = {
    classification: db.prepare("SELECT * FROM message_classifications WHERE message_id = ?"),
    session: db.prepare(
      "SELECT version, open_group_id, opened_at, last_activity_at, messages FROM session_interactions WHERE session_id = ?"
    ),
    upsertSession: db.prepare(
      `INSERT INTO session_interactions (session_id, version, open_group_id, opened_at, last_activity_at, messages)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET version = excluded.version, open_group_id = excluded.open_group_id,
         opened_at = excluded.opened_at, last_activity_at = excluded.last_activity_at, messages = excluded.messages`
    ),
    insertClassification: db.prepare(
      `INSERT INTO message_classifications (message_id, session_id, decision, applied, confidence, group_id, classified_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`
    ),
    openGroup: db.prepare(
      `INSERT INTO interaction_groups (group_id, session_id, status, opened_at, messages) VALUES (?, ?, 'open', ?, 1)`
    ),
    closeGroup: db.prepare(
      "UPDATE interaction_groups SET status = 'closed', closed_at = ?, close_reason = ?, messages = ? WHERE group_id = ?"
    ),
    requestAssessment: db.prepare(
      "UPDATE interaction_groups SET assessment_requested = 1 WHERE group_id = ?"
    ),
    queueAssessment: db.prepare(
      `INSERT INTO assessment_jobs (group_id, session_id, status, queued_at, updated_at, run_after, request_id)
       SELECT group_id, session_id, 'pending', ?, ?, ?, ? FROM interaction_groups WHERE group_id = ?
       ON CONFLICT (group_id) DO NOTHING`
    ),
    groupMessages: db.prepare(
      "SELECT message_id FROM message_classifications WHERE group_id = ? ORDER BY classified_at, rowid"
    ),
    countMessages: db.prepare("UPDATE interaction_groups SET messages = ? WHERE group_id = ?"),
    groups: db.prepare("SELECT * FROM interaction_groups WHERE session_id = ? ORDER BY opened_at, rowid"),
    idle: db.prepare(
      "SELECT session_id FROM session_interactions WHERE open_group_id IS NOT NULL AND last_activity_at < ?"
    ),
    deleteSession: db.prepare("DELETE FROM session_interactions WHERE session_id = ?"),
    deleteClassifications: db.prepare("DELETE FROM message_classifications WHERE session_id = ?"),
    deleteGroups: db.prepare("DELETE FROM interaction_groups WHERE session_id = ?"),
    deleteJobs: db.prepare("DELETE FROM assessment_jobs WHERE session_id = ?")
  }

  return InteractionStore.of({
    classificationOf: (messageId) =>
      query("classification_of", () =>
        Option.map(
          Option.fromNullable(statements.classification.get(messageId) as ClassificationRow | undefined),
          toClassification
        )
      ),
    interaction: (sessionId) =>
      query("interaction", () => {
        const row = statements.session.get(sessionId) as SessionRow | undefined
        if (row === undefined) return { state: noInteraction, version: 0 }
        return {
          version: row.version,
          state:
            row.open_group_id === null
              ? noInteraction
              : {
                  open: Option.some({
                    groupId: row.open_group_id as GroupId,
                    openedAt: row.opened_at ?? 0,
                    lastActivityAt: row.last_activity_at ?? 0,
                    messages: row.messages ?? 0
                  })
                }
        }
      }),
    commit: (commit) =>
      query("interaction_commit", () =>
        transaction(db, () => {
          const classification = Option.getOrUndefined(commit.classification)
          if (
            classification !== undefined &&
            statements.classification.get(classification.messageId) !== undefined
          ) {
            return "duplicate" as const
          }
          const current = (statements.session.get(commit.sessionId) as SessionRow | undefined)?.version ?? 0
          if (current !== commit.expectedVersion) return "stale" as const
          const open = Option.getOrUndefined(commit.state.open)
          statements.upsertSession.run(
            commit.sessionId,
            current + 1,
            open?.groupId ?? null,
            open?.openedAt ?? null,
            open?.lastActivityAt ?? null,
            open?.messages ?? null
          )
          if (classification !== undefined) {
            statements.insertClassification.run(
              classification.messageId,
              classification.sessionId,
              classification.decision,
              classification.applied,
              classification.confidence,
              Option.getOrNull(classification.groupId),
              classification.at
            )
          }
          for (const effect of commit.effects) {
            if (effect._tag === "Opened")
              statements.openGroup.run(effect.groupId, commit.sessionId, commit.at)
            if (effect._tag === "Closed")
              statements.closeGroup.run(commit.at, effect.reason, effect.messages, effect.groupId)
            if (effect._tag === "AssessmentRequested") {
              statements.requestAssessment.run(effect.groupId)
              statements.queueAssessment.run(
                commit.at,
                commit.at,
                commit.at,
                Option.getOrNull(commit.requestId),
                effect.groupId
              )
            }
          }
          if (open !== undefined) statements.countMessages.run(open.messages, open.groupId)
          return "committed" as const
        })
      ),
    groups: (sessionId) =>
      query("groups", () => (statements.groups.all(sessionId) as unknown as Array<GroupRow>).map(toGroup)),
    groupMessages: (groupId) =>
      query("group_messages", () =>
        (statements.groupMessages.all(groupId) as unknown as Array<{ message_id: string }>).map(
          (row) => row.message_id as MessageId
        )
      ),
    idleSessions: (before) =>
      query("idle_sessions", () =>
        (statements.idle.all(before) as unknown as Array<{ session_id: string }>).map(
          (row) => row.session_id as SessionId
        )
      ),
    deleteSession: (sessionId) =>
      query("interaction_delete_session", () =>
        transaction(db, () => {
          statements.deleteSession.run(sessionId)
          statements.deleteClassifications.run(sessionId)
          statements.deleteGroups.run(sessionId)
          statements.deleteJobs.run(sessionId)
        })
      )
  })
})

export const layer = Layer.effect(InteractionStore, make)
