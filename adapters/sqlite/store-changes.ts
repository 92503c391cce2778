import type { DatabaseSync } from "node:sqlite"
import { Effect, Layer, Option, Schema } from "effect"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import { SqliteDatabase } from "./database.ts"

const decodeDataVersion = Schema.decodeUnknownSync(Schema.Struct({ data_version: Schema.Number }))

/**
 * Other connections' commits to the file, as SQLite counts them for `db` (`PRAGMA data_version`:
 * unchanged by this connection's own commits). A file that cannot answer tells nothing.
 */
export const changesByOthers = (db: DatabaseSync) => {
  const dataVersion = db.prepare("PRAGMA data_version")
  return (): Option.Option<number> => {
    try {
      return Option.some(decodeDataVersion(dataVersion.get()).data_version)
    } catch {
      return Option.none()
    }
  }
}

/** The store's file's changes by other processes. */
export const layer = Layer.effect(
  StoreChanges,
  Effect.map(SqliteDatabase, ({ db }) => StoreChanges.of({ byOthers: changesByOthers(db) }))
)
