import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Config, Effect, Layer, Option, Schema } from "effect"
import {
  capacityConfig,
  StoredEntry,
  TranscriptOutbox,
  type WaitingEntry
} from "../../application/ports/transcript-outbox.ts"
import { OutboxFull } from "../../domain/errors.ts"
import { checkpointAfter, connectionOf, createPrivately, unavailable } from "./database.ts"
import { changesByOthers } from "./store-changes.ts"
import * as SqliteStores from "./stores.ts"
import { transaction } from "./transaction.ts"

export interface OutboxOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string
  readonly capacity: number
}

/**
 * Durable by each commit (`synchronous = FULL`): an entry acknowledged as queued survives a crash
 * of the process and of the machine. Only this service's processes open the file, briefly each; a
 * call that meets another's lock waits for it on timers (as the store does), never on the event loop.
 * Deleted entries are overwritten (`secure_delete`).
 */
const PRAGMAS =
  "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 0; PRAGMA secure_delete = ON;"

/** How long an outbox call waits for another process's lock on the file. */
const LOCK_DEADLINE = "1 second"

const SCHEMA = `CREATE TABLE IF NOT EXISTS outbox (
  position INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 0,
  entry TEXT NOT NULL,
  UNIQUE (session_id, message_id)
)`

const decodeEntry = Schema.decodeUnknownSync(Schema.parseJson(StoredEntry))
const Row = Schema.Struct({
  position: Schema.Number,
  queuedAt: Schema.Number,
  version: Schema.Number,
  entry: Schema.String
})
const decodeRow = Schema.decodeUnknownSync(Row)
const decodeStats = Schema.decodeUnknownSync(
  Schema.Struct({ depth: Schema.Number, oldest: Schema.NullOr(Schema.Number) })
)
const decodePosition = Schema.decodeUnknownSync(Schema.Struct({ position: Schema.Number }))

const openOutbox = (filename: string) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        if (filename !== ":memory:") createPrivately(filename)
        const db = new DatabaseSync(filename, { timeout: 1000 })
        db.exec(SCHEMA)
        db.exec(PRAGMAS)
        return db
      },
      catch: unavailable("outbox_open")
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  ).pipe(Effect.map((db) => connectionOf(db, LOCK_DEADLINE)))

/** `TranscriptOutbox` on its own SQLite file, apart from the store's: a locked store leaves it free. */
export const make = (options: OutboxOptions) =>
  Effect.gen(function* () {
    const connection = yield* openOutbox(options.filename)
    const { db, query } = connection
    const statements = {
      find: db.prepare("SELECT position FROM outbox WHERE session_id = ? AND message_id = ?"),
      replace: db.prepare("UPDATE outbox SET entry = ?, version = version + 1 WHERE position = ?"),
      insert: db.prepare("INSERT INTO outbox (session_id, message_id, queued_at, entry) VALUES (?, ?, ?, ?)"),
      oldest: db.prepare(
        "SELECT position, queued_at AS queuedAt, version, entry FROM outbox ORDER BY position LIMIT ?"
      ),
      remove: db.prepare("DELETE FROM outbox WHERE position = ? AND version = ?"),
      deleteSession: db.prepare("DELETE FROM outbox WHERE session_id = ?"),
      holds: db.prepare("SELECT 1 FROM outbox WHERE session_id = ? LIMIT 1"),
      stats: db.prepare("SELECT COUNT(*) AS depth, MIN(queued_at) AS oldest FROM outbox")
    }
    const stats = () => decodeStats(statements.stats.get())

    return TranscriptOutbox.of({
      enqueue: (entry) =>
        Effect.flatMap(
          query("outbox_enqueue", () =>
            transaction(db, () => {
              const { item } = entry
              const stored = JSON.stringify({ item, userId: entry.userId, write: entry.write })
              const found = statements.find.get(item.sessionId, item.messageId)
              if (found !== undefined) {
                if (entry.write === "finishReply")
                  statements.replace.run(stored, decodePosition(found).position)
                return true
              }
              if (stats().depth >= options.capacity) return false
              statements.insert.run(item.sessionId, item.messageId, entry.queuedAt, stored)
              return true
            })
          ),
          (taken) => (taken ? Effect.void : Effect.fail(new OutboxFull({ capacity: options.capacity })))
        ),
      oldest: (limit) =>
        query("outbox_oldest", () =>
          statements.oldest.all(limit).map((row): WaitingEntry => {
            const { entry, ...place } = decodeRow(row)
            return { ...decodeEntry(entry), ...place }
          })
        ),
      remove: (entry) =>
        Effect.asVoid(query("outbox_remove", () => statements.remove.run(entry.position, entry.version))),
      // Nothing of a deleted session stays in the file: its journal is emptied too.
      deleteSession: (sessionId) =>
        checkpointAfter(connection)(
          query("outbox_delete_session", () => Number(statements.deleteSession.run(sessionId).changes))
        ),
      holds: (sessionId) => query("outbox_holds", () => statements.holds.get(sessionId) !== undefined),
      stats: query("outbox_stats", () => {
        const { depth, oldest } = stats()
        return { depth, oldestQueuedAt: Option.fromNullable(oldest) }
      }),
      byOthers: changesByOthers(db)
    })
  })

export const layer = (options: OutboxOptions) => Layer.scoped(TranscriptOutbox, make(options))

/** What `layerConfig` reads: the data directory (as the SQLite store) and the capacity. */
export const config = Config.all({
  dataDir: Config.map(SqliteStores.config, ({ dataDir }) => dataDir),
  capacity: capacityConfig
})

/** The file `outbox.sqlite` under `DATA_DIR`, beside the store's (embedded) or alone (Convex). */
export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, ({ dataDir, capacity }) => layer({ filename: join(dataDir, "outbox.sqlite"), capacity }))
)
