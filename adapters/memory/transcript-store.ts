import { Clock, Context, Effect, Layer, Option } from "effect"
import type { AppendResult } from "../../application/ports/transcript-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import type { SessionId } from "../../domain/ids.ts"
import {
  firstTitle,
  summaryAfterAppend,
  summaryAfterDeletion,
  summaryAfterRemoval
} from "../../domain/session-summary.ts"
import type { NewTranscriptItem } from "../../domain/transcript.ts"
import { SessionDirectory } from "./session-directory.ts"
import { SessionTombstones } from "./session-tombstones.ts"
import { TranscriptTable, unbounded } from "./transcript-table.ts"

/**
 * The memory transcript store's messages, shared with the memory interaction store, which reads a
 * session's order of messages from them in its commits as a durable store reads its own table.
 */
export class StoredTranscripts extends Context.Tag("coachup/memory/StoredTranscripts")<
  StoredTranscripts,
  TranscriptTable
>() {
  static readonly layer = Layer.sync(StoredTranscripts, () => new TranscriptTable(unbounded))
}

/**
 * An unbounded in-memory `TranscriptStore`: the store of the `test` deployment. Each write that
 * adds a message updates the session's summary in the `SessionDirectory` in the same step.
 */
export const make = Effect.gen(function* () {
  const directory = yield* SessionDirectory
  const tombstones = yield* SessionTombstones
  const table = yield* StoredTranscripts
  const everything = { order: "asc", limit: Number.POSITIVE_INFINITY, after: Option.none() } as const

  const summarizing = (item: NewTranscriptItem, write: () => AppendResult) => {
    const added = table.stored(item) === undefined
    const result = write()
    const entry = directory.get(item.sessionId)
    if (added && result._tag === "Inserted" && entry !== undefined)
      entry.summary = summaryAfterAppend(entry.summary, item)
    return result
  }
  /** Recounts the session's summary after `removed` of its messages were deleted. */
  const removed = (sessionId: SessionId, count: number) => {
    const entry = directory.get(sessionId)
    if (entry === undefined || count === 0) return
    entry.summary = summaryAfterRemoval(
      entry.summary,
      count,
      firstTitle(table.page(sessionId, everything).items)
    )
  }

  return TranscriptStore.of({
    append: (item) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        summarizing(item, () => table.append(item, now, tombstones.deletedAt(item.sessionId)))
      ),
    finishReply: (item) =>
      Effect.map(Clock.currentTimeMillis, (now) =>
        summarizing(item, () => table.finishReply(item, now, tombstones.deletedAt(item.sessionId)))
      ),
    saveReplyText: (progress) => Effect.sync(() => table.saveReplyText(progress)),
    markReplaced: (sessionId, messageId) => Effect.sync(() => table.markReplaced(sessionId, messageId)),
    finishAbandonedReplies: (replies) => Effect.sync(() => table.finishAbandonedReplies(replies)),
    latestReply: (sessionId) => Effect.sync(() => table.latestReply(sessionId)),
    reply: (sessionId, messageId) => Effect.sync(() => table.reply(sessionId, messageId)),
    lastN: (sessionId, limit) =>
      Effect.map(Clock.currentTimeMillis, (now) => table.lastN(sessionId, limit, now)),
    page: (sessionId, request) => Effect.sync(() => table.page(sessionId, request)),
    deleteSession: (sessionId) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        tombstones.record(sessionId, now)
        const deleted = table.deleteSession(sessionId)
        const entry = directory.get(sessionId)
        if (entry !== undefined) entry.summary = summaryAfterDeletion(entry.summary)
        return deleted
      }),
    deleteOlderThan: (cutoff) =>
      Effect.sync(() => {
        const before = new Map(
          Array.from(directory.keys(), (sessionId) => [
            sessionId,
            table.page(sessionId, everything).items.length
          ])
        )
        tombstones.deleteOlderThan(cutoff)
        const deleted = table.deleteOlderThan(cutoff)
        for (const [sessionId, count] of before)
          removed(sessionId, count - table.page(sessionId, everything).items.length)
        return deleted
      }),
    ping: Effect.void
  })
})

/**
 * Needs the `SessionDirectory` it shares with the memory `SessionOwners`, the `SessionTombstones`
 * and its `StoredTranscripts`.
 */
export const layer = Layer.effect(TranscriptStore, make)
