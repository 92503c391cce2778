import type { DatabaseSync } from "node:sqlite"
import { Schema } from "effect"
import { titleOf } from "../../domain/session-summary.ts"
import { transaction } from "./transaction.ts"

const decodeVersion = Schema.decodeUnknownSync(Schema.Struct({ user_version: Schema.Number }))

/** A SQL function for migrations: the title a message's text gives its session (`titleOf`), or NULL. */
const SESSION_TITLE = "coachup_session_title"

/**
 * Schema migrations, applied in order at start; `PRAGMA user_version` records how many ran.
 * Append new entries; never edit one that has shipped.
 */
export const migrations: ReadonlyArray<string> = [
  `CREATE TABLE messages (
     message_id   TEXT PRIMARY KEY,
     session_id   TEXT NOT NULL,
     seq          INTEGER NOT NULL,
     ts           INTEGER NOT NULL,
     role         TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
     text         TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     group_id     TEXT,
     audio_url    TEXT,
     status       TEXT CHECK (status IN ('in_progress', 'completed', 'incomplete')),
     created_at   INTEGER NOT NULL
   ) STRICT;
   CREATE UNIQUE INDEX messages_session_seq ON messages (session_id, seq);
   CREATE INDEX messages_session_ts_seq ON messages (session_id, ts, seq);
   CREATE INDEX messages_ts ON messages (ts);
   CREATE TABLE user_privacy (
     user_id    TEXT PRIMARY KEY,
     opt_out    INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE session_privacy (
     session_id TEXT PRIMARY KEY,
     opt_out    INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   ) STRICT;`,
  `CREATE TABLE session_interactions (
     session_id       TEXT PRIMARY KEY,
     version          INTEGER NOT NULL,
     open_group_id    TEXT,
     opened_at        INTEGER,
     last_activity_at INTEGER,
     messages         INTEGER
   ) STRICT;
   CREATE INDEX session_interactions_idle ON session_interactions (last_activity_at)
     WHERE open_group_id IS NOT NULL;
   CREATE TABLE message_classifications (
     message_id    TEXT PRIMARY KEY,
     session_id    TEXT NOT NULL,
     decision      TEXT NOT NULL,
     applied       TEXT NOT NULL,
     confidence    REAL NOT NULL,
     group_id      TEXT,
     classified_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX message_classifications_session ON message_classifications (session_id);
   CREATE TABLE interaction_groups (
     group_id             TEXT PRIMARY KEY,
     session_id           TEXT NOT NULL,
     status               TEXT NOT NULL CHECK (status IN ('open', 'closed')),
     opened_at            INTEGER NOT NULL,
     closed_at            INTEGER,
     close_reason         TEXT,
     messages             INTEGER NOT NULL,
     assessment_requested INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE INDEX interaction_groups_session ON interaction_groups (session_id, opened_at);`,
  `CREATE INDEX message_classifications_group ON message_classifications (group_id, classified_at)
     WHERE group_id IS NOT NULL;
   CREATE TABLE assessment_jobs (
     group_id        TEXT PRIMARY KEY,
     session_id      TEXT NOT NULL,
     status          TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed')),
     attempts        INTEGER NOT NULL DEFAULT 0,
     queued_at       INTEGER NOT NULL,
     updated_at      INTEGER NOT NULL,
     run_after       INTEGER NOT NULL,
     lease_until     INTEGER,
     worker          TEXT,
     request_id      TEXT,
     failure_reason  TEXT,
     result_location TEXT CHECK (result_location IN ('store', 'memory')),
     result          TEXT
   ) STRICT;
   CREATE INDEX assessment_jobs_pending ON assessment_jobs (run_after) WHERE status = 'pending';
   CREATE INDEX assessment_jobs_running ON assessment_jobs (lease_until) WHERE status = 'running';
   CREATE INDEX assessment_jobs_session ON assessment_jobs (session_id, queued_at);
   INSERT INTO assessment_jobs (group_id, session_id, status, queued_at, updated_at, run_after)
     SELECT group_id, session_id, 'pending', COALESCE(closed_at, opened_at), COALESCE(closed_at, opened_at),
       COALESCE(closed_at, opened_at)
     FROM interaction_groups WHERE assessment_requested = 1;`,
  // Message ids become unique per session: both tables are keyed by (session_id, message_id).
  `CREATE TABLE messages_by_session (
     session_id   TEXT NOT NULL,
     message_id   TEXT NOT NULL,
     seq          INTEGER NOT NULL,
     ts           INTEGER NOT NULL,
     role         TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
     text         TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     group_id     TEXT,
     audio_url    TEXT,
     status       TEXT CHECK (status IN ('in_progress', 'completed', 'incomplete')),
     created_at   INTEGER NOT NULL,
     PRIMARY KEY (session_id, message_id)
   ) STRICT;
   INSERT INTO messages_by_session (session_id, message_id, seq, ts, role, text, content_hash, group_id,
       audio_url, status, created_at)
     SELECT session_id, message_id, seq, ts, role, text, content_hash, group_id, audio_url, status, created_at
     FROM messages ORDER BY rowid;
   DROP TABLE messages;
   ALTER TABLE messages_by_session RENAME TO messages;
   CREATE UNIQUE INDEX messages_session_seq ON messages (session_id, seq);
   CREATE INDEX messages_session_ts_seq ON messages (session_id, ts, seq);
   CREATE INDEX messages_ts ON messages (ts);
   CREATE TABLE message_classifications_by_session (
     session_id    TEXT NOT NULL,
     message_id    TEXT NOT NULL,
     decision      TEXT NOT NULL,
     applied       TEXT NOT NULL,
     confidence    REAL NOT NULL,
     group_id      TEXT,
     classified_at INTEGER NOT NULL,
     PRIMARY KEY (session_id, message_id)
   ) STRICT;
   INSERT INTO message_classifications_by_session (session_id, message_id, decision, applied, confidence,
       group_id, classified_at)
     SELECT session_id, message_id, decision, applied, confidence, group_id, classified_at
     FROM message_classifications ORDER BY rowid;
   DROP TABLE message_classifications;
   ALTER TABLE message_classifications_by_session RENAME TO message_classifications;
   CREATE INDEX message_classifications_group ON message_classifications (group_id, classified_at)
     WHERE group_id IS NOT NULL;`,
  `CREATE TABLE session_owners (
     session_id TEXT PRIMARY KEY,
     owner      TEXT NOT NULL,
     claimed_at INTEGER NOT NULL
   ) STRICT;`,
  // Retention goes by when this service accepted a row (always its own clock), not the caller's ts:
  // messages by created_at, classifications when made, groups when closed, jobs when queued.
  `DROP INDEX messages_ts;
   CREATE INDEX messages_created_at ON messages (created_at);
   CREATE INDEX message_classifications_classified_at ON message_classifications (classified_at);
   CREATE INDEX interaction_groups_closed_at ON interaction_groups (closed_at) WHERE status = 'closed';
   CREATE INDEX assessment_jobs_queued_at ON assessment_jobs (queued_at);`,
  // A streaming reply's lease, renewed with each save of its text; the replies in progress found by lease.
  `ALTER TABLE messages ADD COLUMN lease_until INTEGER;
   CREATE INDEX messages_in_progress ON messages (lease_until) WHERE status = 'in_progress';`,
  // Each session's summary beside its owner (domain/session-summary.ts), so listing never reads messages.
  `ALTER TABLE session_owners ADD COLUMN last_activity_at INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE session_owners ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE session_owners ADD COLUMN title TEXT;
   UPDATE session_owners SET
     message_count = (SELECT COUNT(*) FROM messages WHERE messages.session_id = session_owners.session_id),
     last_activity_at = MAX(claimed_at, COALESCE(
       (SELECT MAX(ts) FROM messages WHERE messages.session_id = session_owners.session_id), claimed_at)),
     title = (SELECT ${SESSION_TITLE}(text) FROM messages
       WHERE messages.session_id = session_owners.session_id AND role = 'user' AND ${SESSION_TITLE}(text) IS NOT NULL
       ORDER BY ts, seq LIMIT 1);
   CREATE INDEX session_owners_by_activity ON session_owners (owner, last_activity_at DESC, session_id DESC);`,
  // A finished reply the user regenerated: kept, and left out of context windows.
  `ALTER TABLE messages ADD COLUMN replaced INTEGER NOT NULL DEFAULT 0 CHECK (replaced IN (0, 1));`,
  // A deleted session's tombstone: work begun before the deletion writes nothing back (any process).
  `CREATE TABLE session_tombstones (
     session_id TEXT PRIMARY KEY,
     deleted_at INTEGER NOT NULL
   ) STRICT;
   CREATE INDEX session_tombstones_deleted_at ON session_tombstones (deleted_at);`,
  // The rate limiter's buckets, shared by every process on the file; a bucket idle past idle_at goes.
  // Times are REAL: a bucket refills every (one minute / limit) ms, rarely a whole number.
  `CREATE TABLE rate_limit_buckets (
     kind    TEXT NOT NULL CHECK (kind IN ('token_bucket', 'fixed_window')),
     key     TEXT NOT NULL,
     amount  REAL NOT NULL,
     at      REAL NOT NULL,
     idle_at REAL NOT NULL,
     PRIMARY KEY (kind, key)
   ) STRICT;
   CREATE INDEX rate_limit_buckets_idle_at ON rate_limit_buckets (idle_at);`
]

export const migrate = (db: DatabaseSync) => {
  db.function(SESSION_TITLE, { deterministic: true }, (text) =>
    typeof text === "string" ? (titleOf(text) ?? null) : null
  )
  const version = db.prepare("PRAGMA user_version")
  const applied = () => decodeVersion(version.get()).user_version
  // Several processes may start on one file at once: each migration is applied by whichever takes
  // the write lock first, and the others, reading the version again under the lock, skip it.
  for (let next = applied(); next < migrations.length; next++)
    transaction(db, () => {
      if (applied() !== next) return
      db.exec(migrations[next]!)
      db.exec(`PRAGMA user_version = ${next + 1}`)
    })
}
