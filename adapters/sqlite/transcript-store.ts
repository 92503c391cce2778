import type { DatabaseSync, SQLInputValue, SQLOutputValue } from "node:sqlite"
import { Clock, Effect, Layer, Option, Schema } from "effect"
import { drainBatches } from "../../application/ports/store-calls.ts"
import {
  applyTranscriptWrite,
  type StoredReply,
  TranscriptStore
} from "../../application/ports/transcript-store.ts"
import {
  firstTitle,
  type SessionSummaryFields,
  type SummarizedMessage,
  summaryAfterAppend,
  summaryAfterDeletion,
  summaryAfterRemoval
} from "../../domain/session-summary.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import {
  type MessageStatus,
  type NewTranscriptItem,
  pageOf,
  type Role,
  type TranscriptItem
} from "../../domain/transcript.ts"
import { planAppend, planFinishReply } from "../../domain/transcript-write.ts"
import { checkpointAfter, DELETE_BATCH, SqliteDatabase } from "./database.ts"
import { sessionTombstones } from "./session-tombstones.ts"
import { transaction } from "./transaction.ts"

/** The columns of an item, in the order `itemOf` reads them. */
const COLUMNS = `message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url, status, replaced`

/**
 * An item from a `messages` row read as an array in `COLUMNS` order (a reply's lease after them). The
 * table is STRICT, with NOT NULL and CHECK constraints on role, status and replaced: SQLite enforces
 * the row's types and domains on every write, so the row is taken as the item it is rather than decoded
 * again, which cost more than reading it (`docs/decisions/2026-12-03-transcript-rows-read-as-stored.md`).
 * Optional columns that are NULL are left out, as the item has no such field; ids are as stored
 * (`docs/decisions/2026-12-02-window-read-order.md`).
 */
const itemOf = (row: ReadonlyArray<SQLOutputValue>): TranscriptItem => {
  const [messageId, sessionId, seq, ts, role, text, contentHash, groupId, audioUrl, status, replaced] = row
  return {
    sessionId: sessionId as SessionId,
    messageId: messageId as MessageId,
    role: role as Role,
    text: text as string,
    contentHash: contentHash as string,
    ts: ts as number,
    seq: seq as number,
    ...(groupId === null ? {} : { groupId: groupId as GroupId }),
    ...(audioUrl === null ? {} : { audioUrl: audioUrl as string }),
    ...(status === null ? {} : { status: status as MessageStatus }),
    ...(replaced === 1 ? { replaced: true } : {})
  }
}
/** Where a reply's lease follows the item's columns. */
const LEASE = 11

/** A row of a statement prepared for items: typed as a record by `node:sqlite`, an array at run time. */
const asColumns = (row: unknown) => row as ReadonlyArray<SQLOutputValue>

/** Prepares a statement whose rows come as arrays, for `itemOf`. */
const preparedForItems = (db: DatabaseSync, sql: string) => {
  const statement = db.prepare(sql)
  statement.setReturnArrays(true)
  return statement
}

/** A new item as `messages` parameters: NULL where it has no such field. */
const rowOf = ({ replaced: _, ...item }: TranscriptItem) => ({
  ...item,
  groupId: item.groupId ?? null,
  audioUrl: item.audioUrl ?? null,
  status: item.status ?? null
})
const decodeSeq = Schema.decodeUnknownSync(Schema.Struct({ seq: Schema.Number }))
const decodeSessionId = Schema.decodeUnknownSync(Schema.Struct({ sessionId: Schema.String }))
const decodeSummary = Schema.decodeUnknownSync(
  Schema.Struct({
    messageCount: Schema.Number,
    lastActivityAt: Schema.Number,
    title: Schema.optionalWith(Schema.String, { nullable: true, exact: true })
  })
)
const decodeMessage = Schema.decodeUnknownSync(
  Schema.Struct({ role: Schema.String, text: Schema.String, ts: Schema.Number })
)
/** Decodes rows as they are read, so a reader that stops early reads no further. */
function* decodeMessages(rows: Iterable<unknown>): Generator<SummarizedMessage> {
  for (const row of rows) yield decodeMessage(row)
}

/** How many of `rows` fall under each key. */
const countBy = <A>(rows: ReadonlyArray<A>, key: (row: A) => string) => {
  const counts = new Map<string, number>()
  for (const row of rows) counts.set(key(row), (counts.get(key(row)) ?? 0) + 1)
  return counts
}

/** `TranscriptStore` on `node:sqlite`: the embedded deployment's durable store. */
export const make = Effect.gen(function* () {
  const connection = yield* SqliteDatabase
  const { db, query } = connection
  const checkpointed = checkpointAfter(connection)
  const tombstones = sessionTombstones(db)
  const statements = {
    byMessageId: preparedForItems(
      db,
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? AND message_id = ?`
    ),
    reply: preparedForItems(
      db,
      `SELECT ${COLUMNS}, lease_until FROM messages WHERE session_id = ? AND message_id = ?`
    ),
    latestReply: preparedForItems(
      db,
      `SELECT ${COLUMNS}, lease_until FROM messages WHERE session_id = ? AND role = 'assistant'
       ORDER BY ts DESC, seq DESC LIMIT 1`
    ),
    nextSeq: db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?"),
    insert: db.prepare(
      `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url,
         status, created_at)
       VALUES (:messageId, :sessionId, :seq, :ts, :role, :text, :contentHash, :groupId, :audioUrl, :status, :now)`
    ),
    firstAsc: preparedForItems(
      db,
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts, seq LIMIT ?`
    ),
    afterAsc: preparedForItems(
      db,
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? AND (ts, seq) > (?, ?) ORDER BY ts, seq LIMIT ?`
    ),
    firstDesc: preparedForItems(
      db,
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`
    ),
    afterDesc: preparedForItems(
      db,
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
    markReplaced: db.prepare(
      `UPDATE messages SET replaced = 1
       WHERE session_id = ? AND message_id = ? AND role = 'assistant' AND status IS NOT 'in_progress'`
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
      `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE created_at < ? LIMIT ${DELETE_BATCH})
       RETURNING session_id AS sessionId`
    ),
    summary: db.prepare(
      `SELECT message_count AS messageCount, last_activity_at AS lastActivityAt, title
       FROM session_owners WHERE session_id = ?`
    ),
    setSummary: db.prepare(
      `UPDATE session_owners SET message_count = :messageCount, last_activity_at = :lastActivityAt, title = :title
       WHERE session_id = :sessionId`
    ),
    inOrder: db.prepare("SELECT role, text, ts FROM messages WHERE session_id = ? ORDER BY ts, seq"),
    ping: db.prepare("SELECT 1")
  }

  /** Rewrites the session's summary beside its owner as `change` says; a session with no owner row has none. */
  const summarize = (sessionId: string, change: (summary: SessionSummaryFields) => SessionSummaryFields) => {
    const row = statements.summary.get(sessionId)
    if (row === undefined) return
    const { title, ...fields } = change(decodeSummary(row))
    statements.setSummary.run({ sessionId, ...fields, title: title ?? null })
  }
  /** After `removed` of the session's messages were deleted: fewer counted, the title from what is left. */
  const summarizeRemoval = (sessionId: string, removed: number) =>
    summarize(sessionId, (summary) =>
      summaryAfterRemoval(summary, removed, firstTitle(decodeMessages(statements.inOrder.iterate(sessionId))))
    )

  const storedReply = (row: unknown): Option.Option<StoredReply> =>
    row === undefined
      ? Option.none()
      : Option.some({
          item: itemOf(asColumns(row)),
          leaseUntil: Option.fromNullable(asColumns(row)[LEASE] as number | null)
        })

  const items = (statement: keyof typeof statements, ...params: Array<SQLInputValue>) =>
    statements[statement].all(...params).map((row) => itemOf(asColumns(row)))

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
            existing === undefined ? undefined : itemOf(asColumns(existing)),
            decodeSeq(statements.nextSeq.get(item.sessionId)).seq,
            tombstones.deletedAt(item.sessionId)
          )
          return applyTranscriptWrite(planned, (row, replaces) => {
            const stored: TranscriptItem = row
            const params = rowOf(stored)
            if (replaces) {
              const { sessionId, messageId, text, contentHash, status } = params
              statements.finish.run({ sessionId, messageId, text, contentHash, status })
            } else {
              statements.insert.run({ ...params, now })
              summarize(stored.sessionId, (summary) => summaryAfterAppend(summary, stored))
            }
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
    // Marking one marked already changes its row all the same: `changes` counts rows matched.
    markReplaced: (sessionId, messageId) =>
      query("mark_replaced", () => statements.markReplaced.run(sessionId, messageId).changes > 0),
    finishAbandonedReplies: (replies) =>
      query("finish_abandoned_replies", () =>
        transaction(db, () => {
          const finished = Number(statements.finishAbandoned.run({ ...replies }).changes)
          statements.leaseUnleased.run({ unleasedUntil: replies.unleasedUntil })
          return finished
        })
      ),
    latestReply: (sessionId) =>
      query("latest_reply", () => storedReply(statements.latestReply.get(sessionId))),
    reply: (sessionId, messageId) =>
      query("reply", () => storedReply(statements.reply.get(sessionId, messageId))),
    // The newest page, turned around in memory: one walk down the (session_id, ts, seq) index rather
    // than that walk and a sort into a temporary b-tree (`docs/decisions/2026-12-02-window-read-order.md`).
    lastN: (sessionId, limit) => query("last_n", () => items("firstDesc", sessionId, limit).reverse()),
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
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        checkpointed(
          query("delete_session", () =>
            transaction(db, () => {
              tombstones.record(sessionId, now)
              const deleted = Number(statements.deleteSession.run(sessionId).changes)
              summarize(sessionId, summaryAfterDeletion)
              return deleted
            })
          )
        )
      ),
    deleteOlderThan: (cutoff) =>
      checkpointed(
        drainBatches(
          query("delete_older_than", () =>
            transaction(db, () => {
              tombstones.deleteOlderThan(cutoff)
              const removed = countBy(
                statements.deleteOlderBatch.all(cutoff),
                (row) => decodeSessionId(row).sessionId
              )
              removed.forEach((count, sessionId) => summarizeRemoval(sessionId, count))
              return Array.from(removed.values()).reduce((total, count) => total + count, 0)
            })
          ).pipe(
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
