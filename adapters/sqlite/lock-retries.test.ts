import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer } from "effect"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { SessionId } from "../../domain/ids.ts"
import { newItem } from "../../test/support/items.ts"
import * as SqliteStores from "./stores.ts"

const LOCK_DEADLINE = Duration.seconds(1)
/**
 * The longest the event loop may go without a timer tick during a wait: far below the deadline (a
 * lock wait on the event loop would stall it that long), with room for a busy shared machine.
 */
const MAX_STALL_MS = Duration.toMillis(LOCK_DEADLINE) / 4

/** A store on a fresh file, and a second connection to that file, as another process would open it. */
const onFreshFile = () => {
  const filename = join(mkdtempSync(join(tmpdir(), "coachup-lock-")), "coachup.sqlite")
  const stores = Layer.fresh(SqliteStores.layer({ filename, lockDeadline: LOCK_DEADLINE }))
  const other = () => new DatabaseSync(filename)
  return { stores, other }
}

/** Holds `BEGIN EXCLUSIVE` on the file until the returned function is called. */
const lockExclusively = (db: DatabaseSync) => {
  db.exec("BEGIN EXCLUSIVE")
  return () => db.exec("ROLLBACK")
}

/** Counts timer ticks while `effect` runs: a blocked event loop ticks far fewer times than it should. */
const ticksDuring = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const state = { ticks: 0, longestGapMs: 0, last: performance.now() }
      const timer = setInterval(() => {
        const now = performance.now()
        state.longestGapMs = Math.max(state.longestGapMs, now - state.last)
        state.last = now
        state.ticks++
      }, 5)
      return { state, timer }
    }),
    ({ state }) =>
      Effect.map(Effect.timed(Effect.exit(effect)), ([elapsed, exit]) => ({ exit, elapsed, state })),
    ({ timer }) => Effect.sync(() => clearInterval(timer))
  )

const session = SessionId.make("session-1")

describe("SQLite under another connection's lock", () => {
  it.live("retries a write off the event loop and lands it once the lock is released", () => {
    const { stores, other } = onFreshFile()
    return Effect.gen(function* () {
      const store = yield* TranscriptStore
      yield* store.append(newItem({ messageId: "before" }))
      const unlock = lockExclusively(other())
      setTimeout(unlock, 150)
      const { exit, elapsed, state } = yield* ticksDuring(store.append(newItem({ messageId: "during" })))
      expect(Exit.isSuccess(exit)).toBe(true)
      expect(Duration.toMillis(elapsed)).toBeGreaterThanOrEqual(140)
      expect(state.longestGapMs).toBeLessThan(MAX_STALL_MS)
      expect((yield* store.lastN(session, 10)).map((item) => item.messageId)).toEqual(["before", "during"])
    }).pipe(Effect.provide(stores))
  })

  it.live(
    "fails a write StoreUnavailable at the deadline, having applied nothing, while reads answer",
    () => {
      const { stores, other } = onFreshFile()
      return Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "before" }))
        const unlock = lockExclusively(other())
        const read = yield* ticksDuring(store.lastN(session, 10))
        const write = yield* ticksDuring(store.append(newItem({ messageId: "refused" })))
        unlock()
        expect(Exit.isSuccess(read.exit)).toBe(true)
        expect(Duration.toMillis(read.elapsed)).toBeLessThan(MAX_STALL_MS)
        expect(write.exit).toStrictEqual(
          Exit.fail(expect.objectContaining({ _tag: "StoreUnavailable", reason: "database is locked" }))
        )
        expect(Duration.toMillis(write.elapsed)).toBeGreaterThanOrEqual(Duration.toMillis(LOCK_DEADLINE) - 10)
        expect(Duration.toMillis(write.elapsed)).toBeLessThan(Duration.toMillis(LOCK_DEADLINE) + MAX_STALL_MS)
        expect(write.state.longestGapMs).toBeLessThan(MAX_STALL_MS)
        expect((yield* store.lastN(session, 10)).map((item) => item.messageId)).toEqual(["before"])
        expect((yield* store.append(newItem({ messageId: "refused" })))._tag).toBe("Inserted")
      }).pipe(Effect.provide(stores))
    }
  )
})
