import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import { fullAt, fullBucketSweepDue, takeOneEach } from "../../domain/rate-limit-bucket.ts"
import { connectionOf, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

/** Buckets one sweep drops at most: it runs inside a request's check, on the event loop. */
export const SWEEP_BATCH = 100

const decodeRow = Schema.decodeUnknownSync(
  Schema.UndefinedOr(Schema.Struct({ tokens: Schema.Number, lastRefill: Schema.Number }))
)

/**
 * The request budgets' buckets in the SQLite file, so that every process on the file spends one
 * budget. A request's buckets are checked in one short immediate transaction (read them, apply the
 * shared arithmetic of `domain/rate-limit-bucket.ts`, write them back), waiting for another process's
 * lock on timers as every SQLite call does, up to `lockWait`. A store that fails lets the request
 * through (`adapters/http/rate-limit.ts`).
 *
 * Once a minute (and at once when the clock went back) a check also drops up to `SWEEP_BATCH` buckets
 * that would be full by now; a sweep that found a whole batch leaves the next check to go on, so a
 * flood of new keys is caught up with. Dropping them at every check instead deleted and inserted again
 * the row of nearly every bucket used less often than it refills. When the sweep last ran is noted
 * once its transaction committed: one rolled back leaves it due.
 */
export const make = (options: { readonly lockWait: Duration.DurationInput }) =>
  Effect.gen(function* () {
    const { db } = yield* SqliteDatabase
    // The same connection, its checks waiting at most `lockWait` (not the store's deadline) for a lock.
    const { query } = connectionOf(db, options.lockWait)
    const statements = {
      read: db.prepare(
        "SELECT amount AS tokens, at AS lastRefill FROM rate_limit_buckets WHERE kind = 'token_bucket' AND key = ?"
      ),
      write: db.prepare(
        `INSERT INTO rate_limit_buckets (kind, key, amount, at, idle_at) VALUES ('token_bucket', ?, ?, ?, ?)
         ON CONFLICT (kind, key) DO UPDATE SET amount = excluded.amount, at = excluded.at, idle_at = excluded.idle_at`
      ),
      sweep: db.prepare(
        `DELETE FROM rate_limit_buckets WHERE rowid IN
         (SELECT rowid FROM rate_limit_buckets WHERE idle_at <= ? LIMIT ${SWEEP_BATCH})`
      )
    }
    // None yet: the first check sweeps, and buckets an earlier run left go with it.
    let lastSweep: { readonly at: number; readonly wholeBatch: boolean } | undefined
    const sweepDue = (now: number) => lastSweep?.wholeBatch === true || fullBucketSweepDue(lastSweep?.at, now)
    return RateLimitBuckets.of({
      take: (requests) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          Effect.map(
            query("rate_limit_take", () =>
              transaction(db, () => {
                const { buckets, short } = takeOneEach(
                  requests.map((request) => decodeRow(statements.read.get(request.key))),
                  requests,
                  now
                )
                const swept = sweepDue(now) ? statements.sweep.run(now).changes : undefined
                requests.forEach((request, index) => {
                  const bucket = buckets[index]!
                  statements.write.run(request.key, bucket.tokens, bucket.lastRefill, fullAt(bucket, request))
                })
                return { short, swept }
              })
            ),
            ({ short, swept }) => {
              if (swept !== undefined) lastSweep = { at: now, wholeBatch: swept === SWEEP_BATCH }
              return short
            }
          )
        )
    })
  })

/**
 * The buckets in the `SqliteDatabase`'s file. A check waits at most `lockWait` for another process's
 * write lock, then fails and the request goes through (logged): a budget is not worth holding a
 * request for the store's whole deadline before its own write waits for the same lock.
 */
export const layer = (options: { readonly lockWait: Duration.DurationInput }) =>
  Layer.effect(RateLimitBuckets, make(options))
