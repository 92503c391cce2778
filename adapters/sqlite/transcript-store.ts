import type { SQLInputValue } from "node:sqlite"
import { Clock, Effect, Layer, Option } from "effect"
import { AppendResult, TranscriptStore } from "../../application/ports/transcript-store.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import {
  type MessageStatus,
  type NewTranscriptItem,
  type Role,
  TranscriptItem
} from "../../domain/transcript.ts"
import { compareRepeat } from "../../domain/repeat.ts"
import { query, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

interface MessageRow {
  readonly message_id: string
  readonly session_id: string
  readonly seq: number
  readonly ts: number
  readonly role: string
  readonly text: string
  readonly content_hash: string
  readonly group_id: string | null
  readonly audio_url: string | null
  readonly status: string | null
}

const COLUMNS = "message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url, status"
/** Rows deleted per statement by the retention sweep, so one sweep never holds the lock for long. */
const DELETE_BATCH = 1000

// Rows were validated on the way in; skip re-validation on the read path.
const toItem = (row: MessageRow) =>
  new TranscriptItem(
    {
      messageId: row.message_id as MessageId,
      sessionId: row.session_id as SessionId,
      seq: row.seq,
      ts: row.ts,
      role: row.role as Role,
      text: row.text,
      contentHash: row.content_hash,
      ...(row.group_id === null ? {} : { groupId: row.group_id as GroupId }),
      ...(row.audio_url === null ? {} : { audioUrl: row.audio_url }),
      ...(row.status === null ? {} : { status: row.status as MessageStatus })
    },
    true
  )

/** `TranscriptStore` on `node:sqlite`: the embedded deployment's durable store. */
export const make = Effect.gen(function* () {
  const db = yield* SqliteDatabase
  const statements = {
    byMessageId: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE message_id = ?`),
    nextSeq: db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?"),
    insert: db.prepare(
      `INSERT INTO messages (${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
    ),
    lastN: db.prepare(
      `SELECT ${COLUMNS} FROM (
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
    finish: db.prepare("UPDATE messages SET text = ?, content_hash = ?, status = ? WHERE message_id = ?"),
    deleteSession: db.prepare("DELETE FROM messages WHERE session_id = ?"),
    deleteOlderBatch: db.prepare(
      `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages WHERE ts < ? LIMIT ${DELETE_BATCH})`
    ),
    ping: db.prepare("SELECT 1")
  }

  const rows = (statement: keyof typeof statements, ...params: Array<SQLInputValue>) =>
    (statements[statement].all(...params) as unknown as Array<MessageRow>).map(toItem)

  /** The append rules, inside an open transaction. */
  const appendWithin = (item: NewTranscriptItem, now: number): AppendResult => {
    const existing = statements.byMessageId.get(item.messageId) as MessageRow | undefined
    if (existing !== undefined) {
      const stored = toItem(existing)
      const repeat = compareRepeat(stored, item)
      return repeat === "duplicate"
        ? AppendResult.Duplicate({ item: stored })
        : AppendResult.Conflict({ existing: stored, reason: repeat })
    }
    const { seq } = statements.nextSeq.get(item.sessionId) as { seq: number }
    statements.insert.run(
      item.messageId,
      item.sessionId,
      seq,
      item.ts,
      item.role,
      item.text,
      item.contentHash,
      item.groupId ?? null,
      item.audioUrl ?? null,
      item.status ?? null,
      now
    )
    return AppendResult.Inserted({ item: new TranscriptItem({ ...item, seq }, true) })
  }

  return TranscriptStore.of({
    append: (item) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        query("append", () => transaction(db, () => appendWithin(item, now)))
      ),
    finishReply: (item) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        query("finish_reply", () =>
          transaction(db, () => {
            const existing = statements.byMessageId.get(item.messageId) as MessageRow | undefined
            if (existing?.status !== "in_progress" || existing.session_id !== item.sessionId) {
              return appendWithin(item, now)
            }
            statements.finish.run(item.text, item.contentHash, item.status ?? null, item.messageId)
            return AppendResult.Inserted({
              item: new TranscriptItem({ ...item, ts: existing.ts, seq: existing.seq }, true)
            })
          })
        )
      ),
    lastN: (sessionId, limit) => query("last_n", () => rows("lastN", sessionId, limit)),
    page: (sessionId, request) =>
      query("page", () => {
        const asc = request.order === "asc"
        const fetched = Option.match(request.after, {
          onNone: () => rows(asc ? "firstAsc" : "firstDesc", sessionId, request.limit + 1),
          onSome: (after) =>
            rows(asc ? "afterAsc" : "afterDesc", sessionId, after.ts, after.seq, request.limit + 1)
        })
        const items = fetched.slice(0, request.limit)
        const last = items.at(-1)
        return {
          items,
          next:
            fetched.length > request.limit && last !== undefined
              ? Option.some({ ts: last.ts, seq: last.seq })
              : Option.none()
        }
      }),
    deleteSession: (sessionId) =>
      query("delete_session", () => Number(statements.deleteSession.run(sessionId).changes)),
    deleteOlderThan: (cutoff) =>
      Effect.iterate(
        { deleted: 0, last: DELETE_BATCH },
        {
          while: (state) => state.last === DELETE_BATCH,
          body: (state) =>
            query("delete_older_than", () => Number(statements.deleteOlderBatch.run(cutoff).changes)).pipe(
              Effect.map((last) => ({ deleted: state.deleted + last, last })),
              // Let other fibers run between batches.
              Effect.zipLeft(Effect.yieldNow())
            )
        }
      ).pipe(Effect.map((state) => state.deleted)),
    ping: query("ping", () => void statements.ping.get())
  })
})

export const layer = Layer.effect(TranscriptStore, make)
