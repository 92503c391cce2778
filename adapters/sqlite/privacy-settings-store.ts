import { Clock, Effect, Layer, Option, Schema } from "effect"
import { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import { SqliteDatabase } from "./database.ts"

const Flag = Schema.transformLiterals([0, false], [1, true])
const decodeFlag = Schema.decodeUnknownSync(Schema.Struct({ optOut: Flag }))
const decodeOptOuts = Schema.decodeUnknownSync(
  Schema.Struct({ user: Schema.OptionFromNullOr(Flag), session: Schema.OptionFromNullOr(Flag) })
)

/** `PrivacySettingsStore` on `node:sqlite`. */
export const make = Effect.gen(function* () {
  const { db, query } = yield* SqliteDatabase
  const statements = {
    getUser: db.prepare("SELECT opt_out AS optOut FROM user_privacy WHERE user_id = ?"),
    setUser: db.prepare(
      `INSERT INTO user_privacy (user_id, opt_out, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET opt_out = excluded.opt_out, updated_at = excluded.updated_at`
    ),
    getSession: db.prepare("SELECT opt_out AS optOut FROM session_privacy WHERE session_id = ?"),
    setSession: db.prepare(
      `INSERT INTO session_privacy (session_id, opt_out, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (session_id) DO UPDATE SET opt_out = excluded.opt_out, updated_at = excluded.updated_at`
    ),
    getOptOuts: db.prepare(
      `SELECT (SELECT opt_out FROM user_privacy WHERE user_id = ?) AS user,
              (SELECT opt_out FROM session_privacy WHERE session_id = ?) AS session`
    ),
    deleteUser: db.prepare("DELETE FROM user_privacy WHERE user_id = ?"),
    deleteSession: db.prepare("DELETE FROM session_privacy WHERE session_id = ?")
  }
  const flag = (row: unknown) => Option.map(Option.fromNullable(row), (found) => decodeFlag(found).optOut)
  const write = (operation: string, statement: "setUser" | "setSession", key: string, optOut: boolean) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      query(operation, () => void statements[statement].run(key, optOut ? 1 : 0, now))
    )

  return PrivacySettingsStore.of({
    getUser: (userId) => query("privacy_get_user", () => flag(statements.getUser.get(userId))),
    setUser: (userId, optOut) => write("privacy_set_user", "setUser", userId, optOut),
    getSession: (sessionId) => query("privacy_get_session", () => flag(statements.getSession.get(sessionId))),
    setSession: (sessionId, optOut) => write("privacy_set_session", "setSession", sessionId, optOut),
    getOptOuts: (userId, sessionId) =>
      query("privacy_get_opt_outs", () => decodeOptOuts(statements.getOptOuts.get(userId, sessionId))),
    deleteUser: (userId) =>
      query("privacy_delete_user", () => Number(statements.deleteUser.run(userId).changes)),
    deleteSession: (sessionId) =>
      query("privacy_delete_session", () => Number(statements.deleteSession.run(sessionId).changes))
  })
})

export const layer = Layer.effect(PrivacySettingsStore, make)
