import { RateLimiter } from "@effect/experimental"
import { Duration, Effect, Layer } from "effect"
import {
  fullAt,
  hitWindow,
  takeTokens,
  type TokenBucket,
  type WindowCounter
} from "../../domain/rate-limit-bucket.ts"

/** Buckets held at most; past it the least recently used goes (its holder starts a full bucket again). */
export const MAX_BUCKETS = 100_000

/** How often, by the clock, buckets that would be full (or windows that are over) are dropped. */
const SWEEP_INTERVAL_MS = 60_000

interface HeldBucket {
  bucket: TokenBucket
  readonly limit: number
  readonly refillMillis: number
}

/** Reads `key` as most recently used; adds it (evicting the least recently used past the bound) when absent. */
const touch = <A>(entries: Map<string, A>, key: string, create: () => A, maxEntries: number) => {
  const found = entries.get(key)
  if (found !== undefined) {
    entries.delete(key)
    entries.set(key, found)
    return found
  }
  if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!)
  const created = create()
  entries.set(key, created)
  return created
}

const dropWhere = <A>(entries: Map<string, A>, idle: (entry: A) => boolean) => {
  for (const [key, entry] of entries) if (idle(entry)) entries.delete(key)
}

/**
 * The rate limiter's buckets in this process's memory, bounded: the platform's memory store keeps
 * every key it has seen, so a client that varies its address or session ids grows it without end.
 * Here a bucket that has refilled (or a window that has ended) is dropped by a sweep once a minute,
 * and no more than `maxBuckets` are held. The arithmetic is every store's (`domain/rate-limit-bucket.ts`).
 */
export const make = (options: { readonly maxBuckets: number } = { maxBuckets: MAX_BUCKETS }) => {
  const tokenBuckets = new Map<string, HeldBucket>()
  const windows = new Map<string, { counter: WindowCounter }>()
  let lastSweep = 0
  const sweep = (now: number) => {
    if (now - lastSweep < SWEEP_INTERVAL_MS) return
    lastSweep = now
    dropWhere(tokenBuckets, (held) => fullAt(held.bucket, held.limit, held.refillMillis) <= now)
    dropWhere(windows, (held) => held.counter.expiresAt <= now)
  }
  /** Runs `update` at the clock's now, after the sweep that is due. */
  const atNow = <A>(update: (now: number) => A) =>
    Effect.clockWith((clock) =>
      Effect.sync(() => {
        const now = clock.unsafeCurrentTimeMillis()
        sweep(now)
        return update(now)
      })
    )
  const store = RateLimiter.RateLimiterStore.of({
    fixedWindow: (request) =>
      atNow((now) => {
        const held = touch(
          windows,
          request.key,
          () => ({ counter: { count: 0, expiresAt: now } }),
          options.maxBuckets
        )
        const { counter, result } = hitWindow(
          held.counter,
          { ...request, refillMillis: Duration.toMillis(request.refillRate) },
          now
        )
        held.counter = counter
        return result
      }),
    tokenBucket: (request) =>
      atNow((now) => {
        const refillMillis = Duration.toMillis(request.refillRate)
        const held = touch(
          tokenBuckets,
          request.key,
          () => ({ bucket: { tokens: request.limit, lastRefill: now }, limit: request.limit, refillMillis }),
          options.maxBuckets
        )
        const { bucket, remaining } = takeTokens(held.bucket, { ...request, refillMillis }, now)
        held.bucket = bucket
        return remaining
      })
  })
  return { store, size: () => tokenBuckets.size + windows.size }
}

/** The bounded memory store as the rate limiter's `RateLimiterStore`. */
export const layer = Layer.sync(RateLimiter.RateLimiterStore, () => make().store)
