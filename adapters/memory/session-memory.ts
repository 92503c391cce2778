import { Clock, Config, Duration, Effect, Layer, Metric } from "effect"
import { duration, positiveInteger } from "../../application/config-values.ts"
import {
  sessionMemoryBytes,
  sessionMemoryEvictionsTotal,
  sessionMemorySessions,
  updateMetrics
} from "../../application/metrics.ts"
import { SessionMemory } from "../../application/ports/session-memory.ts"
import { MAX_CONTEXT_LIMIT } from "../../domain/context-window.ts"
import type { SessionId } from "../../domain/ids.ts"
import { type EvictionReason, TranscriptTable, type TranscriptTableBounds } from "./transcript-table.ts"

const evictionsBy = (reason: EvictionReason) => Metric.tagged(sessionMemoryEvictionsTotal, "reason", reason)
const evictions = { bytes: evictionsBy("bytes"), count: evictionsBy("count"), idle: evictionsBy("idle") }

/** The bounded in-process transcript every deployment keeps beside its store. */
export const make = (bounds: TranscriptTableBounds) =>
  Effect.sync(() => {
    const table = new TranscriptTable(bounds)
    // When each session was deleted, oldest first, kept for the idle TTL.
    const deletions = new Map<SessionId, number>()
    // After every call: any call may have forgotten sessions (idle, or pushed out by a write).
    const publish = (now: number) =>
      updateMetrics((update) => {
        const evicted = table.takeEvictions()
        update(sessionMemorySessions, table.sessionCount(now))
        update(sessionMemoryBytes, table.bytesHeld())
        update(evictions.bytes, evicted.bytes)
        update(evictions.count, evicted.count)
        update(evictions.idle, evicted.idle)
      })
    const withClock = <A>(use: (now: number) => A) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const result = use(now)
        return Effect.as(publish(now), result)
      })
    return SessionMemory.of({
      append: (item) => withClock((now) => table.append(item, now)),
      finishReply: (item) => withClock((now) => table.finishReply(item, now)),
      markReplaced: (sessionId, messageId) => Effect.sync(() => table.markReplaced(sessionId, messageId)),
      lastN: (sessionId, limit) => withClock((now) => table.lastN(sessionId, limit, now)),
      deleteSession: (sessionId) =>
        withClock((now) => {
          deletions.delete(sessionId)
          deletions.set(sessionId, now)
          return table.deleteSession(sessionId)
        }),
      deletedSince: (sessionId, since) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          for (const [id, at] of deletions) {
            if (now - at < bounds.idleTtlMillis) break
            deletions.delete(id)
          }
          return (deletions.get(sessionId) ?? Number.NEGATIVE_INFINITY) >= since
        }),
      sessionCount: withClock((now) => table.sessionCount(now))
    })
  })

export const layer = (bounds: TranscriptTableBounds) => Layer.effect(SessionMemory, make(bounds))

/**
 * At most `SESSION_MEMORY_MAX_BYTES` (64 MiB) and `SESSION_MEMORY_MAX_SESSIONS` sessions, each forgotten
 * after `SESSION_MEMORY_IDLE_MINUTES` idle and keeping its last 200 messages (the largest context window).
 */
export const config = Config.all({
  maxSessions: positiveInteger("SESSION_MEMORY_MAX_SESSIONS", 10_000),
  idleTtl: duration("SESSION_MEMORY_IDLE_MINUTES", 60, "minutes"),
  maxBytes: positiveInteger("SESSION_MEMORY_MAX_BYTES", 64 * 1024 * 1024)
})

export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, ({ maxSessions, idleTtl, maxBytes }) =>
    layer({
      maxItemsPerSession: MAX_CONTEXT_LIMIT,
      maxSessions,
      idleTtlMillis: Duration.toMillis(idleTtl),
      maxBytes
    })
  )
)
