import { Clock, Effect, Layer, Option, Schema } from "effect"
import { OwnedSession, SessionOwners, sessionListOf } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { ownerAfterWrite } from "../../domain/session-ownership.ts"
import { checkpointAfter, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

const decodeOwner = Schema.decodeUnknownSync(Schema.Struct({ owner: UserId }))
const decodeOwned = Schema.decodeUnknownSync(OwnedSession)
const decodeCount = Schema.decodeUnknownSync(Schema.Struct({ messageCount: Schema.Number }))

/** The columns of a listed session, named as its fields. */
const LISTED = `session_id AS sessionId, claimed_at AS createdAt, last_activity_at AS lastActivityAt,
  message_count AS messageCount, title`

/**
 * `SessionOwners` on `node:sqlite`: a claim reads and writes in one immediate transaction; the
 * transcript store keeps the summary columns, and the list reads them through the owner's
 * (owner, last_activity_at, session_id) index.
 */
export const make = Effect.gen(function* () {
  const connection = yield* SqliteDatabase
  const { db, query } = connection
  const checkpointed = checkpointAfter(connection)
  const statements = {
    owner: db.prepare("SELECT owner FROM session_owners WHERE session_id = ?"),
    insert: db.prepare(
      `INSERT INTO session_owners (session_id, owner, claimed_at, last_activity_at, message_count)
       VALUES (?, ?, ?, ?, 0)`
    ),
    first: db.prepare(
      `SELECT ${LISTED} FROM session_owners WHERE owner = ?
       ORDER BY last_activity_at DESC, session_id DESC LIMIT ?`
    ),
    after: db.prepare(
      `SELECT ${LISTED} FROM session_owners WHERE owner = ? AND (last_activity_at, session_id) < (?, ?)
       ORDER BY last_activity_at DESC, session_id DESC LIMIT ?`
    ),
    countUnstored: db.prepare(
      `UPDATE session_owners SET message_count = message_count + 1,
       last_activity_at = MAX(last_activity_at, ?) WHERE session_id = ?`
    ),
    messageCount: db.prepare("SELECT message_count AS messageCount FROM session_owners WHERE session_id = ?"),
    release: db.prepare("DELETE FROM session_owners WHERE session_id = ?")
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
            if (stored === undefined) statements.insert.run(sessionId, writer, now, now)
            return UserId.make(ownerAfterWrite(stored, writer))
          })
        )
      ),
    sessionsOf: (owner, request) =>
      query("sessions_of", () => {
        const rows = Option.match(request.after, {
          onNone: () => statements.first.all(owner, request.limit + 1),
          onSome: (after) =>
            statements.after.all(owner, after.lastActivityAt, after.sessionId, request.limit + 1)
        })
        return sessionListOf(
          rows.map((row) => decodeOwned(row)),
          request.limit
        )
      }),
    countUnstored: (sessionId, ts) =>
      query("count_unstored", () => void statements.countUnstored.run(ts, sessionId)),
    messageCountOf: (sessionId) =>
      query("message_count_of", () =>
        Option.match(Option.fromNullable(statements.messageCount.get(sessionId)), {
          onNone: () => 0,
          onSome: (row) => decodeCount(row).messageCount
        })
      ),
    // The title is message text: the checkpoint leaves it in no WAL frame.
    release: (sessionId) =>
      checkpointed(query("release_session", () => void statements.release.run(sessionId)))
  })
})

export const layer = Layer.effect(SessionOwners, make)
