import { mkdirSync } from "node:fs"
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

export const open = (options: SqliteOptions) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        if (options.filename !== ":memory:") mkdirSync(dirname(options.filename), { recursive: true })
        const db = new DatabaseSync(options.filename)
        db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 1000;")
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

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))
