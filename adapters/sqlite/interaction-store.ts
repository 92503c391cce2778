import { Clock, Effect, Layer, Option, Schema } from "effect"
import { InteractionStore, type VersionedInteraction } from "../../application/ports/interaction-store.ts"
import { drainBatches } from "../../application/ports/store-calls.ts"
import { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import {
  checksOrder,
  groupsNamedBy,
  type InteractionWrites,
  isRefusal,
  planInteractionCommit
} from "../../domain/interaction-commit.ts"
import {
  CloseReason,
  InteractionCommit,
  InteractionGroup,
  MessageClassification,
  noInteraction,
  OpenGroup,
  OutOfOrder
} from "../../domain/interaction-group.ts"
import { checkpointAfter, DELETE_BATCH, SqliteDatabase } from "./database.ts"
import { sessionTombstones } from "./session-tombstones.ts"
import { transaction } from "./transaction.ts"

const encodeCommit = Schema.encodeSync(InteractionCommit)

/** A `session_interactions` row: the open group's columns are all NULL when none is open. */
const SessionRow = Schema.Union(
  Schema.Struct({ version: Schema.Number, groupId: Schema.Null }),
  Schema.Struct({ version: Schema.Number, ...OpenGroup.fields })
)
const decodeSession = Schema.decodeUnknownSync(SessionRow)
const decodeClassification = Schema.decodeUnknownSync(
  Schema.Struct({ ...MessageClassification.fields, groupId: Schema.OptionFromNullOr(GroupId) })
)
const decodeGroup = Schema.decodeUnknownSync(
  Schema.Struct({
    ...InteractionGroup.fields,
    closedAt: Schema.OptionFromNullOr(Schema.Number),
    closeReason: Schema.OptionFromNullOr(CloseReason),
    assessmentRequested: Schema.transformLiterals([0, false], [1, true])
  })
)
const decodeMessageId = Schema.decodeUnknownSync(Schema.Struct({ messageId: MessageId }))
const decodeSessionId = Schema.decodeUnknownSync(Schema.Struct({ sessionId: SessionId }))
const decodePredecessor = Schema.decodeUnknownSync(
  Schema.Struct({
    messageId: Schema.String,
    acceptedAt: Schema.Number,
    classified: Schema.transformLiterals([0, false], [1, true])
  })
)
const decodeOutOfOrder = Schema.decodeSync(OutOfOrder)

const interactionOf = (row: typeof SessionRow.Type): VersionedInteraction =>
  row.groupId === null
    ? { state: noInteraction, version: row.version }
    : {
        state: {
          open: Option.some({
            groupId: row.groupId,
            openedAt: row.openedAt,
            lastActivityAt: row.lastActivityAt,
            messages: row.messages
          })
        },
        version: row.version
      }

/**
 * `InteractionStore` on `node:sqlite`: each commit is one immediate transaction, which reads the
 * order of a session's messages from the transcript's table in the same file.
 */
export const make = Effect.gen(function* () {
  const connection = yield* SqliteDatabase
  const { db, query } = connection
  const checkpointed = checkpointAfter(connection)
  const tombstones = sessionTombstones(db)
  const statements = {
    classification: db.prepare(
      `SELECT message_id AS messageId, session_id AS sessionId, decision, applied, confidence,
         group_id AS groupId, classified_at AS at
       FROM message_classifications WHERE session_id = ? AND message_id = ?`
    ),
    session: db.prepare(
      `SELECT version, open_group_id AS groupId, opened_at AS openedAt, last_activity_at AS lastActivityAt,
         messages
       FROM session_interactions WHERE session_id = ?`
    ),
    /** The session's last user message before the given one in `seq` order, and whether it is classified. */
    predecessor: db.prepare(
      `SELECT previous.message_id AS messageId, previous.created_at AS acceptedAt,
         EXISTS (SELECT 1 FROM message_classifications
           WHERE session_id = previous.session_id AND message_id = previous.message_id) AS classified
       FROM messages message JOIN messages previous
         ON previous.session_id = message.session_id AND previous.seq < message.seq
       WHERE message.session_id = ? AND message.message_id = ? AND previous.role = 'user'
       ORDER BY previous.seq DESC LIMIT 1`
    ),
    groupStored: db.prepare("SELECT 1 FROM interaction_groups WHERE group_id = ?"),
    jobQueued: db.prepare("SELECT 1 FROM assessment_jobs WHERE group_id = ?"),
    upsertSession: db.prepare(
      `INSERT INTO session_interactions (session_id, version, open_group_id, opened_at, last_activity_at, messages)
       VALUES (:sessionId, :version, :groupId, :openedAt, :lastActivityAt, :messages)
       ON CONFLICT (session_id) DO UPDATE SET version = excluded.version, open_group_id = excluded.open_group_id,
         opened_at = excluded.opened_at, last_activity_at = excluded.last_activity_at, messages = excluded.messages`
    ),
    insertClassification: db.prepare(
      `INSERT INTO message_classifications (message_id, session_id, decision, applied, confidence, group_id, classified_at)
       VALUES (:messageId, :sessionId, :decision, :applied, :confidence, :groupId, :at)`
    ),
    insertGroup: db.prepare(
      `INSERT INTO interaction_groups (group_id, session_id, status, opened_at, closed_at, close_reason, messages,
         assessment_requested)
       VALUES (:groupId, :sessionId, :status, :openedAt, :closedAt, :closeReason, :messages, :assessmentRequested)`
    ),
    /** Sets the fields given (not NULL), keeping the others. */
    updateGroup: db.prepare(
      `UPDATE interaction_groups SET status = COALESCE(:status, status), closed_at = COALESCE(:closedAt, closed_at),
         close_reason = COALESCE(:closeReason, close_reason), messages = COALESCE(:messages, messages),
         assessment_requested = COALESCE(:assessmentRequested, assessment_requested)
       WHERE group_id = :groupId`
    ),
    queueJob: db.prepare(
      `INSERT INTO assessment_jobs (group_id, session_id, status, queued_at, updated_at, run_after, request_id)
       VALUES (:groupId, :sessionId, 'pending', :queuedAt, :queuedAt, :queuedAt, :requestId)`
    ),
    groupMessages: db.prepare(
      `SELECT message_id AS messageId FROM message_classifications WHERE group_id = ?
       ORDER BY classified_at, rowid`
    ),
    groups: db.prepare(
      `SELECT group_id AS groupId, session_id AS sessionId, status, opened_at AS openedAt, closed_at AS closedAt,
         close_reason AS closeReason, messages, assessment_requested AS assessmentRequested
       FROM interaction_groups WHERE session_id = ? ORDER BY opened_at, rowid`
    ),
    idle: db.prepare(
      `SELECT session_id AS sessionId FROM session_interactions
       WHERE open_group_id IS NOT NULL AND last_activity_at < ?`
    ),
    oldClassifications: db.prepare(
      `DELETE FROM message_classifications WHERE rowid IN
         (SELECT rowid FROM message_classifications WHERE classified_at < ? LIMIT ${DELETE_BATCH})`
    ),
    oldGroups: db.prepare(
      `DELETE FROM interaction_groups WHERE rowid IN
         (SELECT rowid FROM interaction_groups WHERE status = 'closed' AND closed_at < ? LIMIT ${DELETE_BATCH})`
    ),
    oldJobs: db.prepare(
      `DELETE FROM assessment_jobs WHERE rowid IN
         (SELECT rowid FROM assessment_jobs WHERE queued_at < ? LIMIT ${DELETE_BATCH})`
    ),
    deleteSession: db.prepare("DELETE FROM session_interactions WHERE session_id = ?"),
    deleteClassifications: db.prepare("DELETE FROM message_classifications WHERE session_id = ?"),
    deleteGroups: db.prepare("DELETE FROM interaction_groups WHERE session_id = ?"),
    deleteJobs: db.prepare("DELETE FROM assessment_jobs WHERE session_id = ?")
  }

  const interaction = (sessionId: string) => {
    const row = statements.session.get(sessionId)
    return row === undefined ? { state: noInteraction, version: 0 } : interactionOf(decodeSession(row))
  }

  const write = ({ session, classification, insertGroups, updateGroups, queueJobs }: InteractionWrites) => {
    statements.upsertSession.run({
      sessionId: session.sessionId,
      version: session.version,
      groupId: session.open?.groupId ?? null,
      openedAt: session.open?.openedAt ?? null,
      lastActivityAt: session.open?.lastActivityAt ?? null,
      messages: session.open?.messages ?? null
    })
    if (classification !== undefined)
      statements.insertClassification.run({ ...classification, groupId: classification.groupId ?? null })
    for (const group of insertGroups)
      statements.insertGroup.run({
        ...group,
        closedAt: group.closedAt ?? null,
        closeReason: group.closeReason ?? null,
        assessmentRequested: group.assessmentRequested ? 1 : 0
      })
    for (const { groupId, changes } of updateGroups)
      statements.updateGroup.run({
        groupId,
        status: changes.status ?? null,
        closedAt: changes.closedAt ?? null,
        closeReason: changes.closeReason ?? null,
        messages: changes.messages ?? null,
        assessmentRequested:
          changes.assessmentRequested === undefined ? null : changes.assessmentRequested ? 1 : 0
      })
    for (const job of queueJobs) statements.queueJob.run({ requestId: null, ...job })
  }

  return InteractionStore.of({
    classificationOf: (sessionId, messageId) =>
      query("classification_of", () =>
        Option.map(
          Option.fromNullable(statements.classification.get(sessionId, messageId)),
          decodeClassification
        )
      ),
    interaction: (sessionId) => query("interaction", () => interaction(sessionId)),
    commit: (commit) =>
      query("interaction_commit", () =>
        transaction(db, () => {
          const request = encodeCommit(commit)
          const named = groupsNamedBy(request)
          const writes = planInteractionCommit(request, {
            version: interaction(request.sessionId).version,
            classified:
              request.classification !== undefined &&
              statements.classification.get(request.sessionId, request.classification.messageId) !==
                undefined,
            groups: named.filter((groupId) => statements.groupStored.get(groupId) !== undefined),
            queued: named.filter((groupId) => statements.jobQueued.get(groupId) !== undefined),
            deletedAt: tombstones.deletedAt(request.sessionId),
            predecessor:
              request.classification === undefined || !checksOrder(request)
                ? undefined
                : Option.getOrUndefined(
                    Option.map(
                      Option.fromNullable(
                        statements.predecessor.get(request.sessionId, request.classification.messageId)
                      ),
                      decodePredecessor
                    )
                  )
          })
          if (isRefusal(writes)) return typeof writes === "string" ? writes : decodeOutOfOrder(writes)
          write(writes)
          return "committed" as const
        })
      ),
    groups: (sessionId) =>
      query("groups", () => statements.groups.all(sessionId).map((row) => decodeGroup(row))),
    groupMessages: (groupId) =>
      query("group_messages", () =>
        statements.groupMessages.all(groupId).map((row) => decodeMessageId(row).messageId)
      ),
    idleSessions: (before) =>
      query("idle_sessions", () => statements.idle.all(before).map((row) => decodeSessionId(row).sessionId)),
    deleteOlderThan: (cutoff) =>
      checkpointed(
        drainBatches(
          query("interaction_delete_older_than", () =>
            transaction(db, () =>
              [statements.oldClassifications, statements.oldGroups, statements.oldJobs].map((statement) =>
                Number(statement.run(cutoff).changes)
              )
            )
          ).pipe(
            Effect.map((counts) => ({
              deleted: counts.reduce((sum, count) => sum + count, 0),
              more: counts.some((count) => count === DELETE_BATCH)
            })),
            // Let other fibers run between batches.
            Effect.zipLeft(Effect.yieldNow())
          )
        )
      ),
    deleteSession: (sessionId) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        checkpointed(
          query("interaction_delete_session", () =>
            transaction(db, () => {
              tombstones.record(sessionId, now)
              statements.deleteSession.run(sessionId)
              statements.deleteClassifications.run(sessionId)
              statements.deleteGroups.run(sessionId)
              statements.deleteJobs.run(sessionId)
            })
          )
        )
      )
  })
})

export const layer = Layer.effect(InteractionStore, make)
