import { Clock, Config, Duration, Effect, Layer, Metric } from "effect"
import { duration, positiveInteger } from "../../application/config-values.ts"
import { sessionMemorySessions } from "../../application/metrics.ts"
import { SessionMemory } from "../../application/ports/session-memory.ts"
import { MAX_CONTEXT_LIMIT } from "../../domain/context-window.ts"
import type { SessionId } from "../../domain/ids.ts"
import { TranscriptTable, type TranscriptTableBounds } from "./transcript-table.ts"

/** The bounded in-process transcript every deployment keeps beside its store. */
export const make = (bounds: TranscriptTableBounds) =>
  Effect.sync(() => {
    const table = new TranscriptTable(bounds)
    // When each session was deleted, oldest first, kept for the idle TTL.
    const deletions = new Map<SessionId, number>()
    const publish = (now: number) => Metric.set(sessionMemorySessions, table.sessionCount(now))
    return SessionMemory.of({
      append: (item) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const result = table.append(item, now)
          return Effect.as(publish(now), result)
        }),
      finishReply: (item) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const result = table.finishReply(item, now)
          return Effect.as(publish(now), result)
        }),
      lastN: (sessionId, limit) =>
        Effect.map(Clock.currentTimeMillis, (now) => table.lastN(sessionId, limit, now)),
      deleteSession: (sessionId) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const deleted = table.deleteSession(sessionId)
          deletions.delete(sessionId)
          deletions.set(sessionId, now)
          return Effect.as(publish(now), deleted)
        }),
      deletedSince: (sessionId, since) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          for (const [id, at] of deletions) {
            if (now - at < bounds.idleTtlMillis) break
            deletions.delete(id)
          }
          return (deletions.get(sessionId) ?? Number.NEGATIVE_INFINITY) >= since
        }),
      sessionCount: Effect.map(Clock.currentTimeMillis, (now) => table.sessionCount(now))
    })
  })

export const layer = (bounds: TranscriptTableBounds) => Layer.effect(SessionMemory, make(bounds))

/**
 * `SESSION_MEMORY_MAX_SESSIONS` sessions, each forgotten after `SESSION_MEMORY_IDLE_MINUTES` idle and
 * keeping its last 200 messages (the largest context window).
 */
export const config = Config.all({
  maxSessions: positiveInteger("SESSION_MEMORY_MAX_SESSIONS", 10_000),
  idleTtl: duration("SESSION_MEMORY_IDLE_MINUTES", 60, "minutes")
})

export const layerConfig = Layer.unwrapEffect(
  Effect.map(config, ({ maxSessions, idleTtl }) =>
    layer({ maxItemsPerSession: MAX_CONTEXT_LIMIT, maxSessions, idleTtlMillis: Duration.toMillis(idleTtl) })
  )
)
