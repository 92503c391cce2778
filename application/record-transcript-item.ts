import { Clock, Duration, Effect, Either, Option } from "effect"
import { MessageConflict, type OutboxFull, type StoreUnavailable, WriteRefused } from "../domain/errors.ts"
import type { UserId } from "../domain/ids.ts"
import type { SkipReason } from "../domain/privacy-policy.ts"
import type { NewTranscriptItem } from "../domain/transcript.ts"
import {
  countPersist,
  persistSkippedPrivacyTotal,
  transcriptPersistSeconds,
  transcriptWritesRefusedBy,
  updateMetric
} from "./metrics.ts"
import { OutboxDelivery } from "./outbox-delivery.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { type AppendResult, TranscriptStore, type TranscriptWriteKind } from "./ports/transcript-store.ts"
import { sessionPolicy } from "./session-persistence.ts"
import { annotateSpan, spanWhenTraced } from "./traced.ts"

/** Where an accepted write went: the store, the outbox, or (privacy) process memory only. */
export interface RecordOutcome {
  /** In the durable store. */
  readonly persisted: boolean
  /** In the durable outbox, to be written to the store once it takes writes again. */
  readonly queued: boolean
  readonly duplicate: boolean
  /** Why the text is kept in memory only. */
  readonly skippedReason: Option.Option<SkipReason>
}

/** The outcome of a write the store or the outbox took. */
const keptIn = (where: "store" | "outbox", duplicate: boolean): RecordOutcome => ({
  persisted: where === "store",
  queued: where === "outbox",
  duplicate,
  skippedReason: Option.none()
})

/** A reply the store refused: its session was deleted since the reply began. */
const notKept: RecordOutcome = {
  persisted: false,
  queued: false,
  duplicate: false,
  skippedReason: Option.none()
}

const conflictOf = (result: Extract<AppendResult, { _tag: "Conflict" }>) =>
  new MessageConflict({ messageId: result.existing.messageId })

/** Counts and logs a refusal, and fails with it: the caller retries after the next delivery round. */
const refuse = Effect.fnUntraced(function* (
  item: NewTranscriptItem,
  reason: WriteRefused["reason"],
  cause: StoreUnavailable | OutboxFull
) {
  const { retryAfter } = yield* OutboxDelivery
  yield* updateMetric(transcriptWritesRefusedBy(reason), 1)
  yield* Effect.logWarning("transcript write refused").pipe(
    Effect.annotateLogs({ reason, role: item.role, cause: cause._tag })
  )
  return yield* new WriteRefused({
    reason,
    retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(retryAfter)))
  })
})

/**
 * Writes one transcript item: to the durable store when the session's privacy (`SessionPersistence`)
 * allows it, and into the bounded session memory that serves context fallbacks. When the store
 * cannot take it — or writes of the session already wait, which must land first — the write goes
 * to the durable outbox (`queued`). When neither can take it, or the session's privacy cannot be
 * read, nothing is kept and it fails with `WriteRefused`. Idempotent on messageId.
 */
export const RecordTranscriptItem = Effect.fnUntraced(function* (
  item: NewTranscriptItem,
  userId: UserId,
  write: TranscriptWriteKind
) {
  const memory = yield* SessionMemory
  yield* annotateSpan({ role: item.role, write })
  /** Memory applies the same idempotency rules as a store. */
  const keepInMemory = Effect.flatMap(memory[write](item), (result) =>
    result._tag === "Conflict" ? Effect.fail(conflictOf(result)) : Effect.succeed(result)
  )

  const policy = yield* sessionPolicy
  // Text whose opt-out cannot be seen is written nowhere, not even to the outbox.
  if (Either.isLeft(policy)) return yield* refuse(item, "privacy_unknown", policy.left)
  if (!policy.right.persist) {
    const kept = yield* keepInMemory
    if (kept._tag === "Inserted" && write === "append") {
      yield* updateMetric(persistSkippedPrivacyTotal, 1)
      yield* countUnstored(item)
    }
    const inMemory: RecordOutcome = {
      persisted: false,
      queued: false,
      duplicate: kept._tag === "Duplicate",
      skippedReason: Option.some(policy.right.reason)
    }
    return inMemory
  }

  const outbox = yield* TranscriptOutbox
  // An outbox that cannot answer holds nothing this write could overtake that the store would not.
  const waiting = yield* Effect.orElseSucceed(outbox.holds(item.sessionId), () => false)
  if (!waiting) {
    const written = yield* store(item, write)
    if (Either.isRight(written)) {
      const result = written.right
      // A completed reply is one message: its completion is counted apart from its first write.
      yield* countPersist(
        write === "finishReply" && result._tag === "Inserted" ? "completed" : result._tag.toLowerCase(),
        item.role
      )
      if (result._tag === "Conflict") return yield* conflictOf(result)
      if (result._tag === "Deleted") {
        yield* Effect.logInfo("session deleted since the reply began; reply not recorded")
        return notKept
      }
      yield* memory[write](item)
      return keptIn("store", result._tag === "Duplicate")
    }
    yield* Effect.logWarning("transcript store unavailable; write queued in the outbox").pipe(
      Effect.annotateLogs({ operation: written.left.operation, reason: written.left.reason })
    )
  }

  const kept = yield* keepInMemory
  const queuedAt = yield* Clock.currentTimeMillis
  const taken = yield* Effect.either(outbox.enqueue({ item, userId, write, queuedAt }))
  if (Either.isLeft(taken)) {
    const cause = taken.left
    return yield* refuse(item, cause._tag === "OutboxFull" ? "outbox_full" : "outbox_unavailable", cause)
  }
  yield* countPersist("queued", item.role)
  yield* Effect.ignore(Effect.flatMap(OutboxDelivery, (delivery) => delivery.report))
  return keptIn("outbox", kept._tag === "Duplicate")
}, spanWhenTraced("RecordTranscriptItem"))

/**
 * Counts a message kept in memory only in its session's stored summary, so that another process can
 * tell its memory misses it; a store that cannot count it leaves that process unaware, nothing worse.
 */
const countUnstored = (item: NewTranscriptItem) =>
  Effect.flatMap(SessionOwners, (owners) => owners.countUnstored(item.sessionId, item.ts)).pipe(
    Effect.catchAll((error) =>
      Effect.logWarning("message kept in memory not counted in its session's summary").pipe(
        Effect.annotateLogs({ operation: error.operation, reason: error.reason })
      )
    )
  )

/** The store's write, timed; its failure as a value. */
const store = Effect.fnUntraced(function* (item: NewTranscriptItem, write: TranscriptWriteKind) {
  const transcripts = yield* TranscriptStore
  return yield* transcripts[write](item).pipe(
    Effect.timed,
    Effect.tap(([elapsed]) => updateMetric(transcriptPersistSeconds, Duration.toSeconds(elapsed))),
    Effect.map(([, result]) => result),
    Effect.either
  )
})
