import { Effect, Layer } from "effect"
import { RateLimitBuckets } from "../../application/ports/rate-limit-buckets.ts"
import {
  type BucketLimit,
  fullAt,
  fullBucketSweepDue,
  takeOneEach,
  type TokenBucket
} from "../../domain/rate-limit-bucket.ts"

/** Buckets held at most; past it the least recently used goes (its holder starts a full bucket again). */
export const MAX_BUCKETS = 100_000

interface HeldBucket {
  readonly bucket: TokenBucket
  readonly limit: BucketLimit
}

/**
 * The request budgets' buckets in this process's memory, bounded: a client that varies its address or
 * session ids would otherwise grow them without end. A bucket that has refilled is dropped by a sweep
 * once a minute (at once when the clock went back), and no more than `maxBuckets` are held (the least recently used go first). The
 * arithmetic is every store's (`domain/rate-limit-bucket.ts`).
 */
export const make = (options: { readonly maxBuckets: number } = { maxBuckets: MAX_BUCKETS }) => {
  const held = new Map<string, HeldBucket>()
  let lastSweep: number | undefined
  const sweep = (now: number) => {
    if (!fullBucketSweepDue(lastSweep, now)) return
    lastSweep = now
    for (const [key, entry] of held) if (fullAt(entry.bucket, entry.limit) <= now) held.delete(key)
  }
  /** Holds `entry` under `key` as the most recently used, evicting the least recently used past the bound. */
  const store = (key: string, entry: HeldBucket) => {
    held.delete(key)
    if (held.size >= options.maxBuckets) held.delete(held.keys().next().value!)
    held.set(key, entry)
  }
  const buckets = RateLimitBuckets.of({
    take: (requests) =>
      Effect.clockWith((clock) =>
        Effect.sync(() => {
          const now = clock.unsafeCurrentTimeMillis()
          sweep(now)
          const { buckets: next, short } = takeOneEach(
            requests.map((request) => held.get(request.key)?.bucket),
            requests,
            now
          )
          requests.forEach((request, index) => store(request.key, { bucket: next[index]!, limit: request }))
          return short
        })
      )
  })
  return { buckets, size: () => held.size }
}

/** The bounded memory buckets as the deployment's `RateLimitBuckets`. */
export const layer = Layer.sync(RateLimitBuckets, () => make().buckets)
