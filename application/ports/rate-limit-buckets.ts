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
     * Takes one token from each bucket (their keys all different), in one transaction, or from none
     * when one is short: answers the short bucket whose next token comes last, with the time until it
     * comes, or none when every token was taken.
     */
    readonly take: (
      buckets: ReadonlyArray<BucketRequest>
    ) => Effect.Effect<Option.Option<ShortBucket>, StoreUnavailable>
  }
>() {}
