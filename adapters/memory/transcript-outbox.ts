import { Effect, Layer, Option } from "effect"
import {
  capacityConfig,
  TranscriptOutbox,
  type WaitingEntry
} from "../../application/ports/transcript-outbox.ts"
import { OutboxFull } from "../../domain/errors.ts"

/**
 * `TranscriptOutbox` in process memory: the `test` deployment's, whose store is process memory as
 * well, so a restart loses nothing more than it already did.
 */
export const make = (options: { readonly capacity: number }) =>
  Effect.sync(() => {
    // Keyed by session and message; a Map iterates in insertion order, which a replacement keeps.
    const waiting = new Map<string, WaitingEntry>()
    let nextPosition = 1
    const keyOf = (sessionId: string, messageId: string) => JSON.stringify([sessionId, messageId])
    const entries = () => Array.from(waiting.values())

    return TranscriptOutbox.of({
      enqueue: (entry) =>
        Effect.suspend(() => {
          const key = keyOf(entry.item.sessionId, entry.item.messageId)
          const found = waiting.get(key)
          if (found !== undefined) {
            if (entry.write === "finishReply") {
              waiting.set(key, {
                ...entry,
                queuedAt: found.queuedAt,
                position: found.position,
                version: found.version + 1
              })
            }
            return Effect.void
          }
          if (waiting.size >= options.capacity)
            return Effect.fail(new OutboxFull({ capacity: options.capacity }))
          waiting.set(key, { ...entry, position: nextPosition++, version: 0 })
          return Effect.void
        }),
      oldest: (limit) => Effect.sync(() => entries().slice(0, limit)),
      remove: (entry) =>
        Effect.sync(() => {
          const key = keyOf(entry.item.sessionId, entry.item.messageId)
          if (waiting.get(key)?.version === entry.version) waiting.delete(key)
        }),
      deleteSession: (sessionId) =>
        Effect.sync(() => {
          const ofSession = entries().filter((entry) => entry.item.sessionId === sessionId)
          for (const entry of ofSession) waiting.delete(keyOf(sessionId, entry.item.messageId))
          return ofSession.length
        }),
      holds: (sessionId) => Effect.sync(() => entries().some((entry) => entry.item.sessionId === sessionId)),
      stats: Effect.sync(() => ({
        depth: waiting.size,
        oldestQueuedAt: Option.fromNullable(entries()[0]?.queuedAt)
      })),
      // No other process reaches it.
      byOthers: () => Option.some(0)
    })
  })

export const layer = (options: { readonly capacity: number }) => Layer.effect(TranscriptOutbox, make(options))

/** `PERSIST_BACKLOG_CAPACITY` entries. */
export const layerConfig = Layer.unwrapEffect(Effect.map(capacityConfig, (capacity) => layer({ capacity })))
