import { Config, Context, type Duration, Effect, Layer, Metric } from "effect"
import type { SessionId, UserId } from "../domain/ids.ts"
import type { NewTranscriptItem } from "../domain/transcript.ts"
import { duration, positiveInteger } from "./config-values.ts"
import { forkPeriodic } from "./periodic.ts"
import { persistBacklog, transcriptPersistTotal } from "./metrics.ts"
import { TranscriptStore, type TranscriptWriteKind } from "./ports/transcript-store.ts"
import { resolvePersistence } from "./resolve-persistence.ts"

/** What `PersistenceBacklog.layerConfig` reads. */
export const config = Config.all({
  capacity: positiveInteger("PERSIST_BACKLOG_CAPACITY", 10_000),
  retryEvery: duration("PERSIST_RETRY_SECONDS", 2, "seconds")
})

interface Deferred {
  readonly item: NewTranscriptItem
  readonly userId: UserId
  readonly write: TranscriptWriteKind
}

/**
 * Messages accepted while the store was unavailable. A background fiber writes them once the store
 * answers again; appends are idempotent on messageId, so a write that landed before its timeout
 * comes back as a duplicate and is not stored twice. Privacy is checked again at write time.
 */
export class PersistenceBacklog extends Context.Tag("coachup/PersistenceBacklog")<
  PersistenceBacklog,
  {
    /**
     * Queues a write; false when the backlog is full and the item stays in memory only. A later
     * write of the same messageId (a reply's completion) replaces the waiting one.
     */
    readonly defer: (
      item: NewTranscriptItem,
      userId: UserId,
      write: TranscriptWriteKind
    ) => Effect.Effect<boolean>
    /** Tries every waiting item once, in arrival order; stops at the first store failure. */
    readonly flush: Effect.Effect<void>
    readonly forgetSession: (sessionId: SessionId) => Effect.Effect<void>
    /** Whether writes of the session wait here: the store does not have all of it yet. */
    readonly holds: (sessionId: SessionId) => Effect.Effect<boolean>
  }
>() {
  static readonly make = (options: { readonly capacity: number }) =>
    Effect.gen(function* () {
      const store = yield* TranscriptStore
      const context = yield* Effect.context<Effect.Effect.Context<ReturnType<typeof resolvePersistence>>>()
      // Insertion-ordered, keyed by messageId: a message waits at most once.
      const waiting = new Map<string, Deferred>()
      const publish = Effect.suspend(() => Metric.set(persistBacklog, waiting.size))

      const settle = (entry: Deferred, outcome: string) =>
        // Only this entry: a newer write of the same message, deferred meanwhile, stays queued.
        Effect.sync(
          () => waiting.get(entry.item.messageId) === entry && waiting.delete(entry.item.messageId)
        ).pipe(
          Effect.zipRight(publish),
          Effect.zipRight(
            Metric.increment(
              Metric.tagged(
                Metric.tagged(transcriptPersistTotal, "outcome", outcome),
                "role",
                entry.item.role
              )
            )
          )
        )

      const writeOne = (entry: Deferred) =>
        Effect.gen(function* () {
          const policy = yield* resolvePersistence(entry.userId, entry.item.sessionId)
          if (!policy.persist) return yield* settle(entry, "dropped_opt_out")
          const result = yield* store[entry.write](entry.item)
          yield* settle(entry, result._tag === "Conflict" ? "conflict" : "deferred_landed")
        }).pipe(Effect.provide(context))

      const flushWaiting = Effect.gen(function* () {
        for (const entry of Array.from(waiting.values())) {
          const failed = yield* writeOne(entry).pipe(
            Effect.as(false),
            Effect.catchAll(() => Effect.succeed(true))
          )
          if (failed) return
        }
      }).pipe(Effect.withSpan("PersistenceBacklog.flush"))
      // An empty backlog is the usual case: no span for a round with nothing to write.
      const flush = Effect.suspend(() => (waiting.size === 0 ? Effect.void : flushWaiting))

      return PersistenceBacklog.of({
        defer: (item, userId, write) =>
          Effect.sync(() => {
            if (!waiting.has(item.messageId) && waiting.size >= options.capacity) return false
            // A later write of the same message replaces the waiting one. A reply's completion stays
            // a completion: it appends when the in-progress row never landed, completes it when it did.
            waiting.set(item.messageId, { item, userId, write })
            return true
          }).pipe(Effect.tap(publish)),
        flush,
        forgetSession: (sessionId) =>
          Effect.sync(() => {
            for (const [id, entry] of waiting) if (entry.item.sessionId === sessionId) waiting.delete(id)
          }).pipe(Effect.zipRight(publish)),
        holds: (sessionId) =>
          Effect.sync(() => Array.from(waiting.values()).some((entry) => entry.item.sessionId === sessionId))
      })
    })

  /**
   * The backlog of `PERSIST_BACKLOG_CAPACITY` items, retried every `PERSIST_RETRY_SECONDS`, its loop
   * running for the life of the layer.
   */
  static readonly layerConfig = Layer.unwrapEffect(
    Effect.map(config, (options) => PersistenceBacklog.layer(options))
  )

  /** The backlog with its retry loop running for the life of the layer. */
  static readonly layer = (options: {
    readonly capacity: number
    readonly retryEvery: Duration.DurationInput
  }) =>
    Layer.scoped(
      PersistenceBacklog,
      Effect.gen(function* () {
        const backlog = yield* PersistenceBacklog.make(options)
        yield* forkPeriodic(backlog.flush, options.retryEvery, "persistence backlog round failed")
        return backlog
      })
    )
}
