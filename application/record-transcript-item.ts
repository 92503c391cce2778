import { Duration, Effect, Either, Metric, Option } from "effect"
import { MessageConflict } from "../domain/errors.ts"
import type { UserId } from "../domain/ids.ts"
import type { SkipReason } from "../domain/privacy-policy.ts"
import type { NewTranscriptItem, Role } from "../domain/transcript.ts"
import { persistSkippedPrivacyTotal, transcriptPersistSeconds, transcriptPersistTotal } from "./metrics.ts"
import { PersistenceBacklog } from "./persistence-backlog.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { type AppendResult, TranscriptStore, type TranscriptWriteKind } from "./ports/transcript-store.ts"
import { sessionPolicy } from "./session-persistence.ts"

/** Why an accepted message is not (yet) in the durable store. */
export type NotPersistedReason = SkipReason | "store_unavailable"

export interface RecordOutcome {
  readonly persisted: boolean
  readonly duplicate: boolean
  readonly skippedReason: Option.Option<NotPersistedReason>
}

const countPersist = (outcome: string, role: Role) =>
  Metric.increment(Metric.tagged(Metric.tagged(transcriptPersistTotal, "outcome", outcome), "role", role))

const conflictOf = (result: Extract<AppendResult, { _tag: "Conflict" }>) =>
  new MessageConflict({ messageId: result.existing.messageId })

/**
 * Writes one transcript item: durably when the session's privacy (`SessionPersistence`) allows it,
 * and always into the bounded session memory that serves context fallbacks. A store failure never fails the caller:
 * the write waits in the persistence backlog instead. Idempotent on messageId.
 */
export const RecordTranscriptItem = Effect.fn("RecordTranscriptItem")(function* (
  item: NewTranscriptItem,
  userId: UserId,
  write: TranscriptWriteKind
) {
  const memory = yield* SessionMemory
  yield* Effect.annotateCurrentSpan({ role: item.role, write })
  const outcome = (persisted: boolean, duplicate: boolean, reason?: NotPersistedReason): RecordOutcome => ({
    persisted,
    duplicate,
    skippedReason: Option.fromNullable(reason)
  })

  /** Memory applies the same idempotency rules as a store. */
  const keepInMemory = (reason: NotPersistedReason) =>
    Effect.flatMap(memory[write](item), (result) =>
      result._tag === "Conflict"
        ? Effect.fail(conflictOf(result))
        : Effect.succeed({ result, outcome: outcome(false, result._tag === "Duplicate", reason) })
    )

  const policy = yield* sessionPolicy
  if (Either.isRight(policy) && !policy.right.persist) {
    const kept = yield* keepInMemory(policy.right.reason)
    if (kept.result._tag === "Inserted" && write === "append")
      yield* Metric.increment(persistSkippedPrivacyTotal)
    return kept.outcome
  }

  const store = yield* TranscriptStore
  const written = Either.isRight(policy)
    ? yield* store[write](item).pipe(
        Effect.timed,
        Effect.tap(([elapsed]) => Metric.update(transcriptPersistSeconds, Duration.toSeconds(elapsed))),
        Effect.map(([, result]) => result),
        Effect.either
      )
    : Either.left(policy.left)

  if (Either.isLeft(written)) {
    const kept = yield* keepInMemory("store_unavailable")
    if (kept.result._tag === "Inserted") {
      const queued = yield* Effect.flatMap(PersistenceBacklog, (backlog) =>
        backlog.defer(item, userId, write)
      )
      yield* countPersist(queued ? "deferred" : "failed", item.role)
      yield* Effect.logWarning("transcript store unavailable; message kept in memory").pipe(
        Effect.annotateLogs({ operation: written.left.operation, reason: written.left.reason, queued })
      )
    }
    return kept.outcome
  }

  const result = written.right
  // A completed reply is one message: its completion is counted apart from its first write.
  yield* countPersist(
    write === "finishReply" && result._tag === "Inserted" ? "completed" : result._tag.toLowerCase(),
    item.role
  )
  if (result._tag === "Conflict") return yield* conflictOf(result)
  yield* memory[write](item)
  return outcome(true, result._tag === "Duplicate")
})
