import { Effect, Layer, Option, Schema } from "effect"
import { StoreChanges } from "../../application/ports/store-changes.ts"
import { SqliteDatabase } from "./database.ts"

const decodeDataVersion = Schema.decodeUnknownSync(Schema.Struct({ data_version: Schema.Number }))

/**
 * Other connections' commits to the file, as SQLite counts them for this one (`PRAGMA data_version`:
 * unchanged by this connection's own commits). A file that cannot answer tells nothing.
 */
export const layer = Layer.effect(
  StoreChanges,
  Effect.map(SqliteDatabase, ({ db }) => {
    const dataVersion = db.prepare("PRAGMA data_version")
    return StoreChanges.of({
      byOthers: () => {
        try {
          return Option.some(decodeDataVersion(dataVersion.get()).data_version)
        } catch {
          return Option.none()
        }
      }
    })
  })
)
