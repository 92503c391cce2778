/**
 * The rate limiter's arithmetic, once for every store that keeps buckets: a token bucket refilled
 * one token per `refillMillis` up to `limit`, and a fixed window. Plain data in and out, so that the
 * memory and SQLite stores apply the very same rules.
 */

/** Tokens left at `lastRefill` (ms since epoch). */
export interface TokenBucket {
  readonly tokens: number
  readonly lastRefill: number
}

export interface TokenRequest {
  readonly tokens: number
  readonly limit: number
  readonly refillMillis: number
  /** Whether the bucket may go below zero (a caller that waits instead of failing). */
  readonly allowOverflow: boolean
}

/**
 * Takes `tokens` from the bucket (a new bucket starts full) refilled up to `now`. Answers the bucket
 * to store and the tokens remaining: negative when short by that many, and then nothing is taken.
 */
export const takeTokens = (bucket: TokenBucket | undefined, request: TokenRequest, now: number) => {
  const start = bucket ?? { tokens: request.limit, lastRefill: now }
  const refilled = Math.max(0, Math.floor((now - start.lastRefill) / request.refillMillis))
  const tokens = refilled > 0 ? Math.min(request.limit, start.tokens + refilled) : start.tokens
  const lastRefill = start.lastRefill + refilled * request.refillMillis
  const remaining = tokens - request.tokens
  const taken = request.allowOverflow || remaining >= 0
  return { bucket: { tokens: taken ? remaining : tokens, lastRefill }, remaining }
}

/** When the bucket is full again: from then on it says nothing a new bucket would not. */
export const fullAt = (bucket: TokenBucket, limit: number, refillMillis: number) =>
  bucket.lastRefill + Math.max(0, limit - bucket.tokens) * refillMillis

/** Tokens counted in the window that ends at `expiresAt` (ms since epoch). */
export interface WindowCounter {
  readonly count: number
  readonly expiresAt: number
}

/**
 * Counts `tokens` into the window (a window that has ended starts again at `now`); each token
 * lengthens it by `refillMillis`. Past `limit`, nothing is counted. Answers the counter to store and
 * the count with the time left, as the platform's `RateLimiterStore.fixedWindow` does.
 */
export const hitWindow = (
  counter: WindowCounter | undefined,
  request: { readonly tokens: number; readonly limit: number | undefined; readonly refillMillis: number },
  now: number
) => {
  const current = counter !== undefined && counter.expiresAt > now ? counter : { count: 0, expiresAt: now }
  if (request.limit !== undefined && current.count + request.tokens > request.limit)
    return { counter: current, result: [current.count + request.tokens, current.expiresAt - now] as const }
  const next = {
    count: current.count + request.tokens,
    expiresAt: current.expiresAt + request.refillMillis * request.tokens
  }
  return { counter: next, result: [next.count, next.expiresAt - now] as const }
}
