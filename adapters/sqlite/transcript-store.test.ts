import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as SqliteDatabase from "./database.ts"
import { migrate } from "./migrations.ts"

describe("SQLite schema", () => {
  it.effect("reads the last N of a session through the (session, ts, seq) index, without sorting", () =>
    Effect.gen(function* () {
      const { db } = yield* SqliteDatabase.SqliteDatabase
      const plan = db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT * FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT 20"
        )
        .all("s") as Array<{ detail: string }>
      const details = plan.map((row) => row.detail).join(" | ")
      expect(details).toContain("USING INDEX messages_session_ts_seq")
      expect(details).not.toContain("TEMP B-TREE")
    }).pipe(Effect.provide(SqliteDatabase.layer({ filename: ":memory:", lockDeadline: "2 seconds" })))
  )

  it.effect("finds the rows the retention sweep deletes through the created_at index, not by ts", () =>
    Effect.gen(function* () {
      const { db } = yield* SqliteDatabase.SqliteDatabase
      const plan = db
        .prepare("EXPLAIN QUERY PLAN SELECT rowid FROM messages WHERE created_at < ? LIMIT 1000")
        .all(0) as Array<{ detail: string }>
      expect(plan.map((row) => row.detail).join(" | ")).toContain("USING COVERING INDEX messages_created_at")
    }).pipe(Effect.provide(SqliteDatabase.layer({ filename: ":memory:", lockDeadline: "2 seconds" })))
  )

  it.effect("applies migrations once: running them again changes nothing", () =>
    Effect.gen(function* () {
      const { db } = yield* SqliteDatabase.SqliteDatabase
      const version = () => (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version
      const before = version()
      migrate(db)
      expect(version()).toBe(before)
      expect(before).toBeGreaterThan(0)
    }).pipe(
      Effect.provide(Layer.fresh(SqliteDatabase.layer({ filename: ":memory:", lockDeadline: "2 seconds" })))
    )
  )
})
