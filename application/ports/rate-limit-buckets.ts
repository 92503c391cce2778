import { Context, type Effect, type Option } from "effect"
import type { BucketLimit, ShortBucket } from "../../domain/rate-limit-bucket.ts"
import type { StoreUnavailable } from "../../domain/errors.ts"

/** One of a request's budgets: the token bucket kept under `key`. */
export interface BucketRequest extends BucketLimit {
  readonly key: string
}

/** Token buckets, shared by every process of the deployment: the request budgets the edge spends. */
export class RateLimitBuckets extends Context.Tag("coachup/RateLimitBuckets")<
  RateLimitBuckets,
  {
    /**
     * Takes one token from each bucket, in one transaction, or from none when one is short: answers
     * that one (the first) with the time until its next token, or none when every token was taken.
     */
    readonly take: (
      buckets: ReadonlyArray<BucketRequest>
    ) => Effect.Effect<Option.Option<ShortBucket>, StoreUnavailable>
  }
>() {}
