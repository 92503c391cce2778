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

/** The first bucket a request found without a token, and how long until it has one. */
export interface ShortBucket {
  readonly index: number
  readonly retryAfterMillis: number
}

/** The bucket refilled up to `now`; a new bucket starts full. */
const refill = (bucket: TokenBucket | undefined, { limit, refillMillis }: BucketLimit, now: number) => {
  const start = bucket ?? { tokens: limit, lastRefill: now }
  const refills = Math.max(0, Math.floor((now - start.lastRefill) / refillMillis))
  return {
    tokens: refills > 0 ? Math.min(limit, start.tokens + refills) : start.tokens,
    lastRefill: start.lastRefill + refills * refillMillis
  }
}

/**
 * Takes one token from each bucket (`buckets[i]` stored under `limits[i]`, undefined when new), or from
 * none when one is short. Answers the buckets to store, refilled up to `now` and each less a token when
 * all had one, and the first short bucket with the time until its next token.
 */
export const takeOneEach = (
  buckets: ReadonlyArray<TokenBucket | undefined>,
  limits: ReadonlyArray<BucketLimit>,
  now: number
): { readonly buckets: ReadonlyArray<TokenBucket>; readonly short: Option.Option<ShortBucket> } => {
  const refilled = limits.map((limit, index) => refill(buckets[index], limit, now))
  const index = refilled.findIndex((bucket) => bucket.tokens < 1)
  if (index === -1) {
    return {
      buckets: refilled.map(({ tokens, lastRefill }) => ({ tokens: tokens - 1, lastRefill })),
      short: Option.none()
    }
  }
  const retryAfterMillis = refilled[index]!.lastRefill + limits[index]!.refillMillis - now
  return { buckets: refilled, short: Option.some({ index, retryAfterMillis }) }
}

/** When the bucket is full again: from then on it says nothing a new bucket would not. */
export const fullAt = (bucket: TokenBucket, { limit, refillMillis }: BucketLimit) =>
  bucket.lastRefill + Math.max(0, limit - bucket.tokens) * refillMillis
