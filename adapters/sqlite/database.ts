import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs"
import { dirname } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Context, Effect, Layer } from "effect"
import { StoreUnavailable } from "../../domain/errors.ts"
import { migrate } from "./migrations.ts"

/** One open SQLite database (WAL, migrated), shared by the SQLite store adapters. */
export class SqliteDatabase extends Context.Tag("coachup/sqlite/SqliteDatabase")<
  SqliteDatabase,
  DatabaseSync
>() {}

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string
}

/** The database file and the journal files SQLite keeps beside it. */
const filesOf = (filename: string) => [filename, `${filename}-wal`, `${filename}-shm`]

/**
 * Creates the file's directory 0700 (one that exists is left as it is) and the file 0600 before
 * SQLite opens it; SQLite gives the -wal and -shm files it creates the database file's mode, and
 * those left by an earlier process are set here too.
 */
export const createPrivately = (filename: string) => {
  const directory = dirname(filename)
  if (mkdirSync(directory, { recursive: true, mode: 0o700 }) !== undefined) chmodSync(directory, 0o700)
  closeSync(openSync(filename, "a", 0o600))
  for (const file of filesOf(filename)) if (existsSync(file)) chmodSync(file, 0o600)
}

/**
 * Opens and migrates the database. `secure_delete` overwrites deleted rows with zeros in the
 * database pages; the deleted text can still sit in older WAL frames until `checkpoint` runs.
 */
export const open = (options: SqliteOptions) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        if (options.filename !== ":memory:") createPrivately(options.filename)
        const db = new DatabaseSync(options.filename)
        db.exec(
          "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 1000; PRAGMA secure_delete = ON;"
        )
        migrate(db)
        return db
      },
      catch: (cause) => new StoreUnavailable({ operation: "open", reason: describe(cause) })
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  )

export const layer = (options: SqliteOptions) => Layer.scoped(SqliteDatabase, open(options))

/** Runs synchronous SQLite work, mapping any failure (busy, I/O, closed) to `StoreUnavailable`. */
export const query = <A>(operation: string, run: () => A) =>
  Effect.try({ try: run, catch: (cause) => new StoreUnavailable({ operation, reason: describe(cause) }) })

/**
 * After `deletion` succeeds, copies the WAL into the database file and truncates it, so the deleted
 * text (zeroed in the database by `secure_delete`) is left in no journal frame either. A failed
 * checkpoint fails the deletion: retrying it checkpoints again.
 */
export const checkpointAfter =
  (db: DatabaseSync) =>
  <A, E, R>(deletion: Effect.Effect<A, E, R>) =>
    Effect.tap(deletion, () => query("checkpoint", () => db.exec("PRAGMA wal_checkpoint(TRUNCATE)")))

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))
