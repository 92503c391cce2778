import type { DatabaseSync } from "node:sqlite"
import { Effect, Layer, Option } from "effect"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import { SqliteDatabase } from "./database.ts"

/**
 * Other connections' commits to the file, as SQLite counts them for `db` (`PRAGMA data_version`:
 * unchanged by this connection's own commits). A file that cannot answer tells nothing.
 */
export const changesByOthers = (db: DatabaseSync) => {
  // Asked before reads on the request path: its one integer column is read as it is.
  const dataVersion = db.prepare("PRAGMA data_version")
  dataVersion.setReturnArrays(true)
  return (): Option.Option<number> => {
    try {
      const [version] = dataVersion.get() as unknown as [number]
      return Option.some(version)
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
