/**
 * Context-window reads as one session grows: the SQLite adapter's `lastN` through the Effect
 * TranscriptStore, the raw indexed query it is built on, and the read-everything-then-slice
 * approach common in chat-history libraries, all on the same database file.
 */
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { Effect, ManagedRuntime } from "effect"
import { TranscriptStore } from "../application/ports/transcript-store.ts"
import * as SqliteStores from "../adapters/sqlite/stores.ts"
import { transaction } from "../adapters/sqlite/transaction.ts"
import { SessionId } from "../domain/ids.ts"
import { type LatencySummary, timeEach } from "./stats.ts"

export interface ContextWindowOptions {
  readonly dataDir: string
  /** Session sizes, ascending; one session grows through them. */
  readonly sizes: ReadonlyArray<number>
  readonly window: number
  readonly iterations: number
  readonly warmup: number
  /** Read-all iterations per size (it reads the whole session each time). */
  readonly sliceIterations: (size: number) => number
}

export interface ContextWindowRow {
  readonly size: number
  readonly adapter: LatencySummary
  readonly raw: LatencySummary
  readonly slice: LatencySummary
}

const COLUMNS = "message_id, session_id, seq, ts, role, text, content_hash, group_id, audio_url, status"
const SESSION = SessionId.make("bench-context")
/** Other sessions in the same table, so the session's rows are not the whole index. */
const NEIGHBOUR_SESSIONS = 20
const NEIGHBOUR_ROWS = 500

interface Row {
  readonly message_id: string
  readonly seq: number
}

export const benchContextWindow = async (options: ContextWindowOptions): Promise<Array<ContextWindowRow>> => {
  const filename = join(options.dataDir, "context.sqlite")
  const runtime = ManagedRuntime.make(SqliteStores.layer({ filename, lockDeadline: "2 seconds" }))
  const store = await runtime.runPromise(TranscriptStore)
  // A second connection to the file the store opened (and migrated): seeds it, and reads it raw.
  const db = new DatabaseSync(filename)
  try {
    const insert = db.prepare(
      `INSERT INTO messages (${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`
    )
    const lastN = db.prepare(
      `SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`
    )
    const readAll = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE session_id = ? ORDER BY ts, seq`)
    const baseTs = Date.UTC(2026, 0, 1)
    const hash = "0".repeat(64)

    /** Appends rows `from..to-1` to a session in one transaction; every other pair shares a ts. */
    const seed = (sessionId: string, from: number, to: number) =>
      transaction(db, () => {
        for (let i = from; i < to; i++) {
          const assistant = i % 2 === 1
          insert.run(
            `${sessionId}-${i}`,
            sessionId,
            i + 1,
            baseTs + Math.floor(i / 2) * 1000,
            assistant ? "assistant" : "user",
            `Message ${i} of a practice conversation about asking for a raise, long enough to look real.`,
            hash,
            assistant ? "completed" : null,
            baseTs
          )
        }
      })
    for (let s = 0; s < NEIGHBOUR_SESSIONS; s++) seed(`bench-neighbour-${s}`, 0, NEIGHBOUR_ROWS)

    const adapterRead = () => Effect.runSync(store.lastN(SESSION, options.window))
    const rawRead = () => lastN.all(SESSION, options.window) as unknown as Array<Row>
    const sliceRead = () => (readAll.all(SESSION) as unknown as Array<Row>).slice(-options.window)

    const results: Array<ContextWindowRow> = []
    let seeded = 0
    for (const size of options.sizes) {
      seed(SESSION, seeded, size)
      seeded = size

      // All three must return the same window before their timings mean anything.
      const expected = sliceRead().map((row) => row.message_id)
      const fromAdapter = adapterRead().map((item) => item.messageId as string)
      const fromRaw = rawRead()
        .map((row) => row.message_id)
        .reverse()
      if (JSON.stringify(fromAdapter) !== JSON.stringify(expected)) {
        throw new Error(`adapter lastN disagrees with read-all at ${size} messages`)
      }
      if (JSON.stringify(fromRaw) !== JSON.stringify(expected)) {
        throw new Error(`raw query disagrees with read-all at ${size} messages`)
      }

      const sliceIterations = options.sliceIterations(size)
      results.push({
        size,
        adapter: timeEach({ warmup: options.warmup, iterations: options.iterations, call: adapterRead }),
        raw: timeEach({ warmup: options.warmup, iterations: options.iterations, call: rawRead }),
        slice: timeEach({
          warmup: Math.max(3, Math.ceil(sliceIterations / 10)),
          iterations: sliceIterations,
          call: sliceRead
        })
      })
    }
    return results
  } finally {
    db.close()
    await runtime.dispose()
  }
}
