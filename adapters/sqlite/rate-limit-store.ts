import { RateLimiter } from "@effect/experimental"
import { Clock, Duration, Effect, Layer, Schema } from "effect"
import { fullAt, hitWindow, takeTokens } from "../../domain/rate-limit-bucket.ts"
import { connectionOf, SqliteDatabase } from "./database.ts"
import { transaction } from "./transaction.ts"

/** Idle buckets dropped by each check, so the table stays as small as the buckets in use. */
const SWEEP_BATCH = 10

const BucketRow = Schema.Struct({ amount: Schema.Number, at: Schema.Number })
const decodeRow = Schema.decodeUnknownSync(BucketRow)

/**
 * The rate limiter's buckets in the SQLite file, so that every process on the file spends one
 * budget. Each check is one short immediate transaction (read the bucket, apply the shared
 * arithmetic of `domain/rate-limit-bucket.ts`, write it back, drop a few idle buckets), waiting for
 * another process's lock on timers as every SQLite call does, up to `lockWait`. A store that fails
 * lets the request through (`adapters/http/rate-limit.ts`).
 */
export const make = (options: { readonly lockWait: Duration.DurationInput }) =>
  Effect.gen(function* () {
    const { db } = yield* SqliteDatabase
    // The same connection, its checks waiting at most `lockWait` (not the store's deadline) for a lock.
    const { query } = connectionOf(db, options.lockWait)
    const statements = {
      read: db.prepare("SELECT amount, at FROM rate_limit_buckets WHERE kind = ? AND key = ?"),
      write: db.prepare(
        `INSERT INTO rate_limit_buckets (kind, key, amount, at, idle_at) VALUES (:kind, :key, :amount, :at, :idleAt)
       ON CONFLICT (kind, key) DO UPDATE SET amount = excluded.amount, at = excluded.at, idle_at = excluded.idle_at`
      ),
      sweep: db.prepare(
        `DELETE FROM rate_limit_buckets WHERE rowid IN
         (SELECT rowid FROM rate_limit_buckets WHERE idle_at <= ? LIMIT ${SWEEP_BATCH})`
      )
    }
    /** Reads the bucket of `kind` and `key`, writes what `update` makes of it, in one transaction. */
    const check = <A>(
      kind: "token_bucket" | "fixed_window",
      key: string,
      update: (
        stored: typeof BucketRow.Type | undefined,
        now: number
      ) => { readonly amount: number; readonly at: number; readonly idleAt: number; readonly answer: A }
    ) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        query(`rate_limit_${kind}`, () =>
          transaction(db, () => {
            const row = statements.read.get(kind, key)
            const { answer, ...bucket } = update(row === undefined ? undefined : decodeRow(row), now)
            statements.sweep.run(now)
            statements.write.run({ kind, key, ...bucket })
            return answer
          })
        )
      ).pipe(
        Effect.mapError(
          (cause) =>
            new RateLimiter.RateLimitStoreError({ message: `${cause.operation}: ${cause.reason}`, cause })
        )
      )

    return RateLimiter.RateLimiterStore.of({
      tokenBucket: (request) => {
        const refillMillis = Duration.toMillis(request.refillRate)
        return check("token_bucket", request.key, (stored, now) => {
          const { bucket, remaining } = takeTokens(
            stored === undefined ? undefined : { tokens: stored.amount, lastRefill: stored.at },
            { ...request, refillMillis },
            now
          )
          return {
            amount: bucket.tokens,
            at: bucket.lastRefill,
            idleAt: fullAt(bucket, request.limit, refillMillis),
            answer: remaining
          }
        })
      },
      fixedWindow: (request) =>
        check("fixed_window", request.key, (stored, now) => {
          const { counter, result } = hitWindow(
            stored === undefined ? undefined : { count: stored.amount, expiresAt: stored.at },
            { ...request, refillMillis: Duration.toMillis(request.refillRate) },
            now
          )
          return { amount: counter.count, at: counter.expiresAt, idleAt: counter.expiresAt, answer: result }
        })
    })
  })

/**
 * The buckets in the `SqliteDatabase`'s file. A check waits at most `lockWait` for another process's
 * write lock, then fails and the request goes through (logged): a budget is not worth holding a
 * request for the store's whole deadline before its own write waits for the same lock.
 */
export const layer = (options: { readonly lockWait: Duration.DurationInput }) =>
  Layer.effect(RateLimiter.RateLimiterStore, make(options))
