import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "vitest"
import { migrate, migrations } from "./migrations.ts"

describe("SQLite migrations", () => {
  it("a database from before assessments gets a job for each group already due, and none for the rest", () => {
    const db = new DatabaseSync(":memory:")
    // The database as the release before assessments left it: two migrations applied.
    migrations.slice(0, 2).forEach((sql) => db.exec(sql))
    db.exec("PRAGMA user_version = 2")
    const group = db.prepare(
      `INSERT INTO interaction_groups (group_id, session_id, status, opened_at, closed_at, messages, assessment_requested)
       VALUES (?, 's1', ?, 100, ?, 2, ?)`
    )
    group.run("due", "closed", 200, 1)
    group.run("still-open", "open", null, 0)

    migrate(db)

    expect(db.prepare("PRAGMA user_version").get()).toEqual({ user_version: migrations.length })
    expect(
      db
        .prepare("SELECT group_id, session_id, status, attempts, queued_at, run_after FROM assessment_jobs")
        .all()
    ).toEqual([
      { group_id: "due", session_id: "s1", status: "pending", attempts: 0, queued_at: 200, run_after: 200 }
    ])
    db.close()
  })

  it("keeps messages and classifications when ids become unique per session, and then takes an id again elsewhere", () => {
    const db = new DatabaseSync(":memory:")
    migrations.slice(0, 3).forEach((sql) => db.exec(sql))
    db.exec("PRAGMA user_version = 3")
    /** Message m1 of a session, and its classification. */
    const storeMessage = (sessionId: string, ts: number) => {
      db.prepare(
        `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, created_at)
         VALUES ('m1', ?, 1, ?, 'user', 'hello', 'h', ?)`
      ).run(sessionId, ts, ts)
      db.prepare(
        `INSERT INTO message_classifications (message_id, session_id, decision, applied, confidence, classified_at)
         VALUES ('m1', ?, 'start', 'start', 0.9, ?)`
      ).run(sessionId, ts)
    }
    storeMessage("s1", 10)

    migrate(db)

    expect(db.prepare("SELECT session_id, message_id, seq, text FROM messages").all()).toEqual([
      { session_id: "s1", message_id: "m1", seq: 1, text: "hello" }
    ])
    storeMessage("s2", 20)
    expect(db.prepare("SELECT session_id FROM message_classifications ORDER BY rowid").all()).toEqual([
      { session_id: "s1" },
      { session_id: "s2" }
    ])
    db.close()
  })

  it("gives each owned session its summary from the messages it already holds", () => {
    const db = new DatabaseSync(":memory:")
    migrations.slice(0, 5).forEach((sql) => db.exec(sql))
    db.exec("PRAGMA user_version = 5")
    db.exec(
      `INSERT INTO session_owners (session_id, owner, claimed_at) VALUES ('s1', 'a', 100), ('s2', 'a', 300)`
    )
    const message = db.prepare(
      `INSERT INTO messages (message_id, session_id, seq, ts, role, text, content_hash, created_at)
       VALUES (?, 's1', ?, ?, ?, ?, 'h', 0)`
    )
    message.run("m1", 1, 150, "assistant", "Hello")
    message.run("m2", 2, 160, "user", "  Plan   my week ")
    message.run("m3", 3, 200, "user", "Thanks")

    migrate(db)

    expect(
      db
        .prepare(
          `SELECT session_id, message_count, last_activity_at, title FROM session_owners
           WHERE owner = 'a' ORDER BY last_activity_at DESC`
        )
        .all()
    ).toEqual([
      { session_id: "s2", message_count: 0, last_activity_at: 300, title: null },
      { session_id: "s1", message_count: 3, last_activity_at: 200, title: "Plan my week" }
    ])
    db.close()
  })
})
