import { Clock, Config, Context, Duration, Effect, Either, Layer, Option } from "effect"
import type { StoreUnavailable } from "../domain/errors.ts"
import { duration } from "./config-values.ts"
import {
  countPersist,
  outboxDepth,
  outboxOldestAgeSeconds,
  transcriptWritesRefusedBy,
  updateMetrics
} from "./metrics.ts"
import { forkPeriodic } from "./periodic.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { TranscriptOutbox, type WaitingEntry } from "./ports/transcript-outbox.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { resolvePersistence } from "./resolve-persistence.ts"
import { spanWhenTraced } from "./traced.ts"

/** What `OutboxDelivery.layerConfig` reads. */
export const config = Config.all({
  retryEvery: duration("PERSIST_RETRY_SECONDS", 2, "seconds")
})

/** Entries read from the outbox at a time. */
const BATCH = 100

/** The reasons a write is refused, each counted from 0 so that an alert sees the series before the first. */
const REFUSALS = ["outbox_full", "outbox_unavailable", "privacy_unknown"] as const

/**
 * Delivers the outbox to the store: oldest first, so each session's writes land in the order they
 * came; stops at the first write the store fails and tries again next round. Appends are idempotent
 * on (sessionId, messageId), so a write that landed before its timeout comes back as a duplicate and
 * is stored once. An entry leaves the outbox only after the store answered it. Privacy is decided
 * again before each write: an entry of a session opted out since is dropped, as is one of a session
 * deleted since it was queued.
 */
export class OutboxDelivery extends Context.Tag("coachup/OutboxDelivery")<
  OutboxDelivery,
  {
    /** One delivery round; fails only when the outbox itself cannot be read or updated. */
    readonly deliver: Effect.Effect<void, StoreUnavailable>
    /** Sets the outbox's depth and age gauges from what it holds now. */
    readonly report: Effect.Effect<void, StoreUnavailable>
    /** Until the next round: how long a writer that was refused is asked to wait. */
    readonly retryAfter: Duration.Duration
  }
>() {
  static readonly make = (options: { readonly retryEvery: Duration.DurationInput }) =>
    Effect.gen(function* () {
      const outbox = yield* TranscriptOutbox
      const store = yield* TranscriptStore
      const memory = yield* SessionMemory
      const context = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof resolvePersistence>>>()

      /** What became of the entry; fails while the store cannot take it. */
      const outcomeOf = (entry: WaitingEntry) =>
        Effect.gen(function* () {
          const sessionId = entry.item.sessionId
          if (yield* memory.deletedSince(sessionId, entry.queuedAt)) return "dropped_deleted"
          const policy = yield* resolvePersistence(entry.userId, sessionId)
          if (!policy.persist) return "dropped_opt_out"
          const result = yield* store[entry.write](entry.item)
          if (result._tag === "Deleted") return "dropped_deleted"
          return result._tag === "Conflict" ? "conflict" : "delivered"
        }).pipe(Effect.provide(context))

      const report = Effect.gen(function* () {
        const { depth, oldestQueuedAt } = yield* outbox.stats
        const now = yield* Clock.currentTimeMillis
        yield* updateMetrics((update) => {
          update(outboxDepth, depth)
          update(
            outboxOldestAgeSeconds,
            Option.match(oldestQueuedAt, { onNone: () => 0, onSome: (queuedAt) => (now - queuedAt) / 1000 })
          )
        })
      })

      /** Delivers `batch` and the batches after it; answers when the store failed or all are delivered. */
      const deliverFrom = (first: ReadonlyArray<WaitingEntry>) =>
        Effect.gen(function* () {
          let batch = first
          while (batch.length > 0) {
            for (const entry of batch) {
              const outcome = yield* Effect.either(outcomeOf(entry))
              // The store is still down: this entry, and every one after it, waits for the next round.
              if (Either.isLeft(outcome)) return
              yield* outbox.remove(entry)
              yield* countPersist(outcome.right, entry.item.role)
            }
            if (batch.length < BATCH) return
            batch = yield* outbox.oldest(BATCH)
          }
        }).pipe(spanWhenTraced("OutboxDelivery.deliver"))

      return OutboxDelivery.of({
        // An empty outbox is the usual case: no span for a round with nothing to deliver.
        deliver: Effect.flatMap(outbox.oldest(BATCH), (first) =>
          first.length === 0 ? report : Effect.zipRight(deliverFrom(first), report)
        ),
        report,
        retryAfter: Duration.decode(options.retryEvery)
      })
    })

  /** Delivery every `PERSIST_RETRY_SECONDS`, for the life of the layer. */
  static readonly layerConfig = Layer.unwrapEffect(
    Effect.map(config, (options) => OutboxDelivery.layer(options))
  )

  /** Delivery rounds every `retryEvery`, from now for the life of the layer. */
  static readonly layer = (options: { readonly retryEvery: Duration.DurationInput }) =>
    Layer.scoped(
      OutboxDelivery,
      Effect.gen(function* () {
        const delivery = yield* OutboxDelivery.make(options)
        yield* updateMetrics((update) => {
          for (const reason of REFUSALS) update(transcriptWritesRefusedBy(reason), 0)
        })
        yield* forkPeriodic(delivery.deliver, options.retryEvery, "outbox delivery round failed")
        return delivery
      })
    )
}
