import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { DatabaseSync } from "node:sqlite"
import { Context, Effect, Layer, Option, TestClock } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import * as Database from "./database.ts"
import * as SqliteRateLimits from "./rate-limit-store.ts"

const bucket = { key: "user:a", limit: 5, refillMillis: 12_000 }

const freshFile = () => join(mkdtempSync(join(tmpdir(), "coachup-rate-limits-")), "coachup.sqlite")

/** The keys of the buckets the file holds, read on a connection of its own. */
const keysIn = (filename: string) => {
  const db = new DatabaseSync(filename, { readOnly: true })
  try {
    return db
      .prepare("SELECT key FROM rate_limit_buckets ORDER BY key")
      .all()
      .map((row) => row.key)
  } finally {
    db.close()
  }
}

/** The buckets on their own connection to the file, as another process would open them. */
const bucketsOn = (filename: string) =>
  Effect.map(
    Layer.build(
      SqliteRateLimits.layer({ lockWait: "2 seconds" }).pipe(
        Layer.provide(Database.layer({ filename, lockDeadline: "2 seconds" }))
      )
    ),
    Context.get(RateLimitBuckets)
  )

describe("the SQLite rate-limit buckets", () => {
  it.scoped("spend one budget for every connection to the file", () =>
    Effect.gen(function* () {
      const filename = freshFile()
      const connections = [yield* bucketsOn(filename), yield* bucketsOn(filename), yield* bucketsOn(filename)]
      const taken = yield* Effect.forEach([0, 1, 2, 0, 1, 2, 0], (index) =>
        Effect.map(connections[index]!.take([bucket]), Option.isNone)
      )
      expect(taken).toEqual([true, true, true, true, true, false, false])
    })
  )

  it.scoped("drop the buckets that would be full once a minute, not at every check", () =>
    Effect.gen(function* () {
      const filename = freshFile()
      const buckets = yield* bucketsOn(filename)
      const take = (key: string) => buckets.take([{ ...bucket, key }])
      // Full again 12 s after its one token was taken.
      yield* take("a")
      yield* TestClock.adjust("13 seconds")
      yield* take("b")
      expect(keysIn(filename)).toEqual(["a", "b"])
      yield* TestClock.adjust("48 seconds")
      yield* take("c")
      expect(keysIn(filename)).toEqual(["c"])
    })
  )

  it.scoped("go on sweeping at the next check while a sweep finds a whole batch", () =>
    Effect.gen(function* () {
      const filename = freshFile()
      const buckets = yield* bucketsOn(filename)
      const idle = new DatabaseSync(filename)
      const insert = idle.prepare(
        "INSERT INTO rate_limit_buckets (kind, key, amount, at, idle_at) VALUES ('token_bucket', ?, 5, 0, 0)"
      )
      for (let index = 0; index < SqliteRateLimits.SWEEP_BATCH + SqliteRateLimits.SWEEP_BATCH / 2; index++)
        insert.run(`idle:${index}`)
      idle.close()
      const take = (key: string) => buckets.take([{ ...bucket, key }])
      yield* TestClock.adjust("1 second")
      yield* take("a")
      expect(keysIn(filename)).toHaveLength(SqliteRateLimits.SWEEP_BATCH / 2 + 1)
      yield* take("b")
      expect(keysIn(filename)).toEqual(["a", "b"])
    })
  )

  it.scoped("keep sweeping once a minute after the clock went back", () =>
    Effect.gen(function* () {
      const filename = freshFile()
      const buckets = yield* bucketsOn(filename)
      const take = (key: string) => buckets.take([{ ...bucket, key }])
      yield* TestClock.setTime(3_600_000)
      yield* take("a")
      // Stepped back an hour: "a" is full only when the clock is there again; "b", from the new
      // clock's time, is full 12 s later and gone at the sweep a minute after the step.
      yield* TestClock.setTime(0)
      yield* take("b")
      yield* TestClock.setTime(61_000)
      yield* take("c")
      expect(keysIn(filename)).toEqual(["a", "c"])
    })
  )
})
