import type { SQLInputValue } from "node:sqlite"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { drainBatches } from "../../application/ports/store-calls.ts"
import { applyTranscriptWrite, TranscriptStore } from "../../application/ports/transcript-store.ts"
import { GroupId } from "../../domain/ids.ts"
import { MessageStatus, type NewTranscriptItem, pageOf, TranscriptItem } from "../../domain/transcript.ts"
import { planAppend, planFinishReply } from "../../domain/transcript-write.ts"
import { checkpointAfter, DELETE_BATCH, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

/** The columns of an item, named as its fields. */
const COLUMNS = `message_id AS messageId, session_id AS sessionId, seq, ts, role, text,
  content_hash AS contentHash, group_id AS groupId, audio_url AS audioUrl, status`

/** A `messages` row, its optional columns NULL where the item has no such field. */
const decodeRow = Schema.decodeUnknownSync(
  Schema.Struct({
    ...TranscriptItem.fields,
    groupId: Schema.NullOr(GroupId),
    audioUrl: Schema.NullOr(Schema.String),
    status: Schema.NullOr(MessageStatus)
  })
)

// A plain Struct and a spread, not a Schema transform to the class: this runs per row of every window read.
const decodeItem = (row: unknown) => {
  const { groupId, audioUrl, status, ...fields } = decodeRow(row)
  return new TranscriptItem(
    {
      ...fields,
      ...(groupId === null ? {} : { groupId }),
      ...(audioUrl === null ? {} : { audioUrl }),
      ...(status === null ? {} : { status })
    },
    true
  )
}

/** An item as `messages` parameters: NULL where it has no such field. */
const rowOf = (item: TranscriptItem) => ({
  ...item,
  groupId: item.groupId ?? null,
  audioUrl: item.audioUrl ?? null,
  status: item.status ?? null
})
const decodeSeq = Schema.decodeUnknownSync(Schema.Struct({ seq: Schema.Number }))

/** `TranscriptStore` on `node:sqlite`: the embedded deployment's durable store. */
export const make = Effect.gen(function* () {
  const connection = yield* SqliteDatabase
  const { db, query } = connection
  const checkpointed = checkpointAfter(connection)
  const statements = {
    byMessageId: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE session_id = ? AND message_id = ?`),
    nextSeq: db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?"),
    insert: db.prepare(
      `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url,
         status, created_at)
       VALUES (:messageId, :sessionId, :seq, :ts, :role, :text, :contentHash, :groupId, :audioUrl, :status, :now)`
    ),
    lastN: db.prepare(
      `SELECT * FROM (
         SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT ?
       ) ORDER BY ts, seq`
    ),
    firstAsc: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts, seq LIMIT ?`),
    afterAsc: db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?`
    ),
    firstDesc: db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`
    ),
    afterDesc: db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? AND (ts, seq) < (?, ?) ORDER BY ts DESC, seq DESC LIMIT ?`
    ),
    finish: db.prepare(
      `UPDATE messages SET text = :text, content_hash = :contentHash, status = :status, lease_until = NULL
       WHERE session_id = :sessionId AND message_id = :messageId`
    ),
    saveReplyText: db.prepare(
      `UPDATE messages SET text = :text, content_hash = :contentHash, lease_until = :leaseUntil
       WHERE session_id = :sessionId AND message_id = :messageId AND status = 'in_progress'`
    ),
    finishAbandoned: db.prepare(
      `UPDATE messages SET status = 'incomplete', lease_until = NULL
       WHERE status = 'in_progress' AND COALESCE(lease_until, :unleasedUntil) < :leaseEndedBefore`
    ),
    leaseUnleased: db.prepare(
      "UPDATE messages SET lease_until = :unleasedUntil WHERE status = 'in_progress' AND lease_until IS NULL"
    ),
    deleteSession: db.prepare("DELETE FROM messages WHERE session_id = ?"),
    deleteOlderBatch: db.prepare(
      `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE created_at < ? LIMIT ${DELETE_BATCH})`
    ),
    ping: db.prepare("SELECT 1")
  }

  const items = (statement: keyof typeof statements, ...params: Array<SQLInputValue>) =>
    statements[statement].all(...params).map((row) => decodeItem(row))

  /** Plans and writes an append or a finished reply, in one immediate transaction. */
  const write = (
    operation: string,
    item: NewTranscriptItem,
    plan: typeof planAppend<TranscriptItem, NewTranscriptItem>
  ) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      query(operation, () =>
        transaction(db, () => {
          const existing = statements.byMessageId.get(item.sessionId, item.messageId)
          const planned = plan(
            item,
            existing === undefined ? undefined : decodeItem(existing),
            decodeSeq(statements.nextSeq.get(item.sessionId)).seq
          )
          return applyTranscriptWrite(planned, (row, replaces) => {
            const stored = new TranscriptItem(row, true)
            const params = rowOf(stored)
            if (replaces) {
              const { sessionId, messageId, text, contentHash, status } = params
              statements.finish.run({ sessionId, messageId, text, contentHash, status })
            } else statements.insert.run({ ...params, now })
            return stored
          })
        })
      )
    )

  return TranscriptStore.of({
    append: (item) => write("append", item, planAppend),
    finishReply: (item) => write("finish_reply", item, planFinishReply),
    saveReplyText: (progress) =>
      query("save_reply_text", () => statements.saveReplyText.run({ ...progress }).changes > 0),
    finishAbandonedReplies: (replies) =>
      query("finish_abandoned_replies", () =>
        transaction(db, () => {
          const finished = Number(statements.finishAbandoned.run({ ...replies }).changes)
          statements.leaseUnleased.run({ unleasedUntil: replies.unleasedUntil })
          return finished
        })
      ),
    lastN: (sessionId, limit) => query("last_n", () => items("lastN", sessionId, limit)),
    page: (sessionId, request) =>
      query("page", () => {
        const asc = request.order === "asc"
        const fetched = Option.match(request.after, {
          onNone: () => items(asc ? "firstAsc" : "firstDesc", sessionId, request.limit + 1),
          onSome: (after) =>
            items(asc ? "afterAsc" : "afterDesc", sessionId, after.ts, after.seq, request.limit + 1)
        })
        return pageOf(fetched, request.limit)
      }),
    deleteSession: (sessionId) =>
      checkpointed(query("delete_session", () => Number(statements.deleteSession.run(sessionId).changes))),
    deleteOlderThan: (cutoff) =>
      checkpointed(
        drainBatches(
          query("delete_older_than", () => Number(statements.deleteOlderBatch.run(cutoff).changes)).pipe(
            Effect.map((deleted) => ({ deleted, more: deleted === DELETE_BATCH })),
            // Let other fibers run between batches.
            Effect.zipLeft(Effect.yieldNow())
          )
        )
      ),
    ping: query("ping", () => void statements.ping.get())
  })
})

export const layer = Layer.effect(TranscriptStore, make)
