/**
 * The write every ingest baseline makes, the service's own in miniature: in one immediate
 * transaction, look the message up by (session, messageId) (a repeat answers `duplicate`), take the
 * session's next seq, and insert the row into the service's `messages` table (its migrations, its
 * pragmas), content hash included.
 */
import { createHash } from "node:crypto"
import { DatabaseSync } from "node:sqlite"
import { migrate } from "../../adapters/sqlite/migrations.ts"

export interface BaselineMessage {
  readonly sessionId: string
  readonly messageId: string
  readonly role: "user" | "assistant"
  readonly text: string
  readonly ts?: number | undefined
}

/** The payload checked by hand, as the servers without Schema check it. */
export const isBaselineMessage = (value: unknown): value is BaselineMessage => {
  if (typeof value !== "object" || value === null) return false
  const { sessionId, messageId, role, text, ts } = value as Record<string, unknown>
  return (
    typeof sessionId === "string" &&
    typeof messageId === "string" &&
    (role === "user" || role === "assistant") &&
    typeof text === "string" &&
    (ts === undefined || typeof ts === "number")
  )
}

/** The service's answer without the classification. */
export interface BaselineAnswer {
  readonly messageId: string
  readonly sessionId: string
  readonly persisted: boolean
  readonly queued: boolean
  readonly duplicate: boolean
}

export const openIngestTable = (filename: string) => {
  const db = new DatabaseSync(filename)
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
  migrate(db)
  const existing = db.prepare("SELECT 1 FROM messages WHERE session_id = ? AND message_id = ?")
  const nextSeq = db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE session_id = ?")
  const insert = db.prepare(
    `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url,
       status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`
  )
  return (message: BaselineMessage): BaselineAnswer => {
    const now = Date.now()
    db.exec("BEGIN IMMEDIATE")
    try {
      const duplicate = existing.get(message.sessionId, message.messageId) !== undefined
      if (!duplicate) {
        const { seq } = nextSeq.get(message.sessionId) as { seq: number }
        insert.run(
          message.messageId,
          message.sessionId,
          seq,
          message.ts ?? now,
          message.role,
          message.text,
          createHash("sha256").update(`${message.role}\n${message.text}`).digest("hex"),
          message.role === "assistant" ? "completed" : null,
          now
        )
      }
      db.exec("COMMIT")
      return {
        messageId: message.messageId,
        sessionId: message.sessionId,
        persisted: true,
        queued: false,
        duplicate
      }
    } catch (error) {
      db.exec("ROLLBACK")
      throw error
    }
  }
}

/** The line the bench waits for, as the service logs it. */
export const logListening = (url: string) =>
  console.log(JSON.stringify({ level: "INFO", message: `Listening on ${url}` }))
