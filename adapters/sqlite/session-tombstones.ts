import type { DatabaseSync } from "node:sqlite"
import { Schema } from "effect"

const decodeDeletedAt = Schema.decodeUnknownSync(Schema.Struct({ deletedAt: Schema.Number }))

/**
 * The `session_tombstones` table, for the stores that refuse a deleted session's late writes: each
 * call runs inside the caller's transaction. A session deleted twice keeps its latest deletion.
 */
export const sessionTombstones = (db: DatabaseSync) => {
  const statements = {
    deletedAt: db.prepare("SELECT deleted_at AS deletedAt FROM session_tombstones WHERE session_id = ?"),
    record: db.prepare(
      `INSERT INTO session_tombstones (session_id, deleted_at) VALUES (?, ?)
       ON CONFLICT (session_id) DO UPDATE SET deleted_at = MAX(deleted_at, excluded.deleted_at)`
    ),
    deleteOlderThan: db.prepare("DELETE FROM session_tombstones WHERE deleted_at < ?")
  }
  return {
    /** When the session was last deleted, if it was. */
    deletedAt: (sessionId: string): number | undefined => {
      const row = statements.deletedAt.get(sessionId)
      return row === undefined ? undefined : decodeDeletedAt(row).deletedAt
    },
    record: (sessionId: string, at: number) => void statements.record.run(sessionId, at),
    /** Retention: a deletion older than the cutoff outlived any work begun before it. */
    deleteOlderThan: (cutoff: number) => void statements.deleteOlderThan.run(cutoff)
  }
}
