import { Option } from "effect"

/**
 * The rate limiter's arithmetic, once for every store that keeps buckets: token buckets refilled one
 * token per `refillMillis` up to `limit`, a request taking one token from each of its buckets or from
 * none. Plain data in and out, so that the memory and SQLite stores apply the very same rules.
 */

/** Tokens left at `lastRefill` (ms since epoch). */
export interface TokenBucket {
  readonly tokens: number
  readonly lastRefill: number
}

/** A bucket's size and pace. */
export interface BucketLimit {
  readonly limit: number
  readonly refillMillis: number
}

/** The bucket a request found without a token that waits longest, and how long until it has one. */
export interface ShortBucket {
  readonly index: number
  readonly retryAfterMillis: number
}

/**
 * The bucket refilled up to `now`; a new bucket starts full. A full bucket's clock starts again at
 * `now`: a part of an interval that passed while it was full refills nothing, or a burst could take
 * one more than the limit.
 */
const refill = (bucket: TokenBucket | undefined, { limit, refillMillis }: BucketLimit, now: number) => {
  const start = bucket ?? { tokens: limit, lastRefill: now }
  // A clock stepped back leaves no refill in the future: the bucket's clock is then now's.
  const last = Math.min(start.lastRefill, now)
  const refills = Math.floor((now - last) / refillMillis)
  const tokens = Math.min(limit, start.tokens + refills)
  return { tokens, lastRefill: tokens === limit ? now : last + refills * refillMillis }
}

/**
 * Takes one token from each bucket (`buckets[i]` stored under `limits[i]`, undefined when new; each a
 * different bucket), or from none when one is short. Answers the buckets to store, refilled up to
 * `now` and each less a token when all had one, and the short bucket whose next token comes last,
 * with the time until it comes: a client that waits that long finds a token in every bucket.
 */
export const takeOneEach = (
  buckets: ReadonlyArray<TokenBucket | undefined>,
  limits: ReadonlyArray<BucketLimit>,
  now: number
): { readonly buckets: ReadonlyArray<TokenBucket>; readonly short: Option.Option<ShortBucket> } => {
  const refilled = limits.map((limit, index) => refill(buckets[index], limit, now))
  let short: Option.Option<ShortBucket> = Option.none()
  refilled.forEach((bucket, index) => {
    if (bucket.tokens >= 1) return
    // Whole milliseconds, at least one: a refill interval of 60,000 / 7 ms leaves fractions.
    const retryAfterMillis = Math.max(1, Math.ceil(bucket.lastRefill + limits[index]!.refillMillis - now))
    if (Option.isNone(short) || retryAfterMillis > short.value.retryAfterMillis)
      short = Option.some({ index, retryAfterMillis })
  })
  if (Option.isSome(short)) return { buckets: refilled, short }
  return {
    buckets: refilled.map(({ tokens, lastRefill }) => ({ tokens: tokens - 1, lastRefill })),
    short
  }
}

/** When the bucket is full again: from then on it says nothing a new bucket would not. */
export const fullAt = (bucket: TokenBucket, { limit, refillMillis }: BucketLimit) =>
  bucket.lastRefill + Math.max(0, limit - bucket.tokens) * refillMillis

/** How often, by the clock, a store drops the buckets that would be full (a full bucket's row says nothing). */
export const FULL_BUCKET_SWEEP_INTERVAL_MS = 60_000

/**
 * Whether a store whose last sweep of full buckets was at `lastSweep` (none yet: `undefined`) sweeps at
 * `now`: once the interval has passed, and at once when the clock went back past it.
 */
export const fullBucketSweepDue = (lastSweep: number | undefined, now: number) =>
  lastSweep === undefined || now < lastSweep || now - lastSweep >= FULL_BUCKET_SWEEP_INTERVAL_MS
