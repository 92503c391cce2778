import { Clock, Effect, Layer, Option, Schema } from "effect"
import { SessionOwners } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { ownerAfterWrite } from "../../domain/session-ownership.ts"
import { SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

const decodeOwner = Schema.decodeUnknownSync(Schema.Struct({ owner: UserId }))

/** `SessionOwners` on `node:sqlite`: a claim reads and writes in one immediate transaction. */
export const make = Effect.gen(function* () {
  const { db, query } = yield* SqliteDatabase
  const statements = {
    owner: db.prepare("SELECT owner FROM session_owners WHERE session_id = ?"),
    insert: db.prepare("INSERT INTO session_owners (session_id, owner, claimed_at) VALUES (?, ?, ?)")
  }
  const ownerOf = (sessionId: string) =>
    Option.map(Option.fromNullable(statements.owner.get(sessionId)), (row) => decodeOwner(row).owner)

  return SessionOwners.of({
    ownerOf: (sessionId) => query("owner_of", () => ownerOf(sessionId)),
    claim: (sessionId, writer) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        query("claim_session", () =>
          transaction(db, () => {
            const stored = Option.getOrUndefined(ownerOf(sessionId))
            if (stored === undefined) statements.insert.run(sessionId, writer, now)
            return UserId.make(ownerAfterWrite(stored, writer))
          })
        )
      )
  })
})

export const layer = Layer.effect(SessionOwners, make)
