import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs"
import { dirname } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Context, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { StoreUnavailable } from "../../domain/errors.ts"
import { migrate } from "./migrations.ts"

/** One open SQLite database (WAL, migrated), shared by the SQLite store adapters. */
export interface SqliteConnection {
  readonly db: DatabaseSync
  /**
   * Runs synchronous SQLite work, mapping any failure (I/O, closed) to `StoreUnavailable`. Work that
   * meets another connection's lock is retried off the event loop until the lock deadline.
   */
  readonly query: <A>(operation: string, run: () => A) => Effect.Effect<A, StoreUnavailable>
}

export class SqliteDatabase extends Context.Tag("coachup/sqlite/SqliteDatabase")<
  SqliteDatabase,
  SqliteConnection
>() {}

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  readonly filename: string
  /** How long a call may wait, retrying, for another connection's lock on the file (`STORE_TIMEOUT_MS`). */
  readonly lockDeadline: Duration.DurationInput
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

/** Rows deleted per statement by the retention sweep, so one sweep never holds the lock for long. */
export const DELETE_BATCH = 1000

const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6

/** Whether SQLite refused the work because another connection holds a lock (extended codes included). */
const isLockContention = (cause: unknown) =>
  cause instanceof Error &&
  "errcode" in cause &&
  typeof cause.errcode === "number" &&
  [SQLITE_BUSY, SQLITE_LOCKED].includes(cause.errcode & 0xff)

const describe = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause))

export const unavailable = (operation: string) => (cause: unknown) =>
  cause instanceof StoreUnavailable ? cause : new StoreUnavailable({ operation, reason: describe(cause) })

/** Retries soon, then at most every 50 ms, jittered so that contending callers spread out. */
const lockRetries = Schedule.exponential("1 millis").pipe(
  Schedule.union(Schedule.spaced("50 millis")),
  Schedule.jittered
)

/**
 * The connection's `query`. SQLite's own lock wait (`busy_timeout`) sleeps on the calling thread,
 * which here is the event loop, so the connection waits for no lock itself: the first attempt runs
 * as a plain call, and only one that met a lock moves to retries on timers, which free the event
 * loop between attempts. A write is one statement or one transaction rolled back when it fails, so
 * each retry starts from nothing applied.
 */
const queryWith = (lockDeadline: Duration.Duration) => {
  const retried = <A>(operation: string, run: () => A) =>
    Effect.try({ try: run, catch: (cause) => cause }).pipe(
      Effect.retry({ schedule: lockRetries, while: isLockContention }),
      Effect.timeoutFail({
        duration: lockDeadline,
        onTimeout: () => new StoreUnavailable({ operation, reason: "database is locked" })
      }),
      Effect.mapError(unavailable(operation))
    )
  return <A>(operation: string, run: () => A): Effect.Effect<A, StoreUnavailable> =>
    Effect.suspend(() => {
      try {
        return Effect.succeed(run())
      } catch (cause) {
        return isLockContention(cause) ? retried(operation, run) : Effect.fail(unavailable(operation)(cause))
      }
    })
}

/**
 * Opens and migrates the database. `secure_delete` overwrites deleted rows with zeros in the
 * database pages; the deleted text can still sit in older WAL frames until `checkpoint` runs.
 * Opening and migrating wait for a lock up to the deadline (nothing is served yet); afterwards the
 * connection waits for none (`queryWith`).
 */
export const open = (options: SqliteOptions) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        if (options.filename !== ":memory:") createPrivately(options.filename)
        const db = new DatabaseSync(options.filename, {
          timeout: Duration.toMillis(Duration.decode(options.lockDeadline))
        })
        db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;")
        migrate(db)
        db.exec("PRAGMA busy_timeout = 0")
        return db
      },
      catch: unavailable("open")
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  ).pipe(Effect.map((db) => connectionOf(db, options.lockDeadline)))

/** An open database whose calls wait up to `lockDeadline`, on timers, for another connection's lock. */
export const connectionOf = (db: DatabaseSync, lockDeadline: Duration.DurationInput): SqliteConnection => ({
  db,
  query: queryWith(Duration.decode(lockDeadline))
})

export const layer = (options: SqliteOptions) => Layer.scoped(SqliteDatabase, open(options))

const decodeCheckpoint = Schema.decodeUnknownSync(Schema.Struct({ busy: Schema.Number }))

/**
 * After `deletion` succeeds, copies the WAL into the database file and truncates it, so the deleted
 * text (zeroed in the database by `secure_delete`) is left in no journal frame either. A checkpoint
 * that another connection's reader or writer kept from finishing is retried as a lock; one that
 * fails fails the deletion: retrying it checkpoints again.
 */
export const checkpointAfter = ({ db, query }: SqliteConnection) => {
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(TRUNCATE)")
  return <A, E, R>(deletion: Effect.Effect<A, E, R>) =>
    Effect.tap(deletion, () =>
      query("checkpoint", () => {
        if (decodeCheckpoint(checkpoint.get()).busy !== 0)
          throw Object.assign(new Error("checkpoint blocked by another connection"), { errcode: SQLITE_BUSY })
      })
    )
}
