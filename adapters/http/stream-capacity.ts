import { Config, Context, Effect, Layer, Metric, type Scope } from "effect"
import { positiveInteger } from "../../application/config-values.ts"
import { updateMetric, updateMetrics } from "../../application/metrics.ts"
import type { UserId } from "../../domain/ids.ts"
import { failRetryLater, ServiceUnavailable, TooManyRequests } from "./api-errors.ts"
import { overloadRefusals } from "./http-metrics.ts"
import { acquireReleasePlain } from "../../application/acquire-release-plain.ts"

export interface StreamLimits {
  /** Chat streams open at once in this process; past it, 503. */
  readonly maxStreams: number
  /** Chat streams one user (the principal's, or the user a service client acts for) has open; past it, 429. */
  readonly maxStreamsPerUser: number
}

/**
 * Seconds a refused client is told to wait: a turn's reply takes about 2.5 s at p95, so a slot is
 * usually free again by then.
 */
export const STREAM_RETRY_AFTER_SECONDS = 3

/** What `ChatStreamCapacity.layerConfig` reads. */
export const config = Config.all({
  maxStreams: positiveInteger("CHAT_MAX_STREAMS", 500),
  maxStreamsPerUser: positiveInteger("CHAT_MAX_STREAMS_PER_USER", 4)
})

const refusedGlobally = Metric.tagged(overloadRefusals, "reason", "streams")
const refusedPerUser = Metric.tagged(overloadRefusals, "reason", "streams_per_user")

/** Both series from the start, at 0: an alert's `rate` needs a series before its first refusal. */
const announceRefusals = updateMetrics((update) => {
  update(refusedGlobally, 0)
  update(refusedPerUser, 0)
})

/** The chat streams this process serves at once: a slot per stream, within a global and a per-user cap. */
export class ChatStreamCapacity extends Context.Tag("coachup/http/ChatStreamCapacity")<
  ChatStreamCapacity,
  {
    /**
     * Holds a slot for one of the user's streams until `scope` closes (a turn's, when its reply ends;
     * a follower's request's, when its response has been written, failed or its client went away), or
     * fails with 503 (every slot taken) or 429 (the user's taken), each with `Retry-After`.
     */
    readonly hold: (
      userId: UserId,
      scope: Scope.Scope
    ) => Effect.Effect<void, ServiceUnavailable | TooManyRequests>
  }
>() {
  static readonly layer = (limits: StreamLimits) =>
    Layer.effect(
      ChatStreamCapacity,
      Effect.zipRight(
        announceRefusals,
        Effect.sync(() => makeCapacity(limits))
      )
    )

  /** `CHAT_MAX_STREAMS` (500) in all, `CHAT_MAX_STREAMS_PER_USER` (4) per user. */
  static readonly layerConfig = Layer.unwrapEffect(Effect.map(config, ChatStreamCapacity.layer))
}

/** Two counters: streams open in all, and per user (a user with none open has no entry). */
const makeCapacity = (limits: StreamLimits): ChatStreamCapacity["Type"] => {
  let open = 0
  const openByUser = new Map<UserId, number>()
  const take = (userId: UserId) =>
    Effect.suspend(() => {
      const ofUser = openByUser.get(userId) ?? 0
      if (open >= limits.maxStreams) {
        return updateMetric(refusedGlobally, 1).pipe(
          Effect.zipRight(Effect.logWarning("chat stream refused: every stream slot is taken")),
          Effect.zipRight(
            failRetryLater(
              ServiceUnavailable,
              "too_many_streams",
              `the service has ${limits.maxStreams} chat streams open; retry in ${STREAM_RETRY_AFTER_SECONDS} s`,
              STREAM_RETRY_AFTER_SECONDS
            )
          )
        )
      }
      if (ofUser >= limits.maxStreamsPerUser) {
        return updateMetric(refusedPerUser, 1).pipe(
          Effect.zipRight(
            failRetryLater(
              TooManyRequests,
              "too_many_streams_per_user",
              `this user has ${limits.maxStreamsPerUser} chat streams open; close one or retry in ${STREAM_RETRY_AFTER_SECONDS} s`,
              STREAM_RETRY_AFTER_SECONDS
            )
          )
        )
      }
      open += 1
      openByUser.set(userId, ofUser + 1)
      return Effect.void
    })
  const give = (userId: UserId) =>
    Effect.sync(() => {
      open -= 1
      const ofUser = openByUser.get(userId)! - 1
      if (ofUser === 0) openByUser.delete(userId)
      else openByUser.set(userId, ofUser)
    })
  return { hold: (userId, scope) => acquireReleasePlain(scope, take(userId), () => give(userId)) }
}
