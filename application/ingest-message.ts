import { Clock, Duration, Effect, Either, Metric, Option } from "effect"
import { MessageConflict } from "../domain/errors.ts"
import type { GroupId, MessageId, SessionId, UserId } from "../domain/ids.ts"
import type { SkipReason } from "../domain/privacy-policy.ts"
import { contentOf, type NewTranscriptItem, type Role } from "../domain/transcript.ts"
import { persistSkippedPrivacyTotal, transcriptPersistSeconds, transcriptPersistTotal } from "./metrics.ts"
import { PersistenceBacklog } from "./persistence-backlog.ts"
import { Hashing } from "./ports/hashing.ts"
import { SessionMemory } from "./ports/session-memory.ts"
import { type AppendResult, TranscriptStore } from "./ports/transcript-store.ts"
import { resolvePersistence } from "./resolve-persistence.ts"

export interface IngestCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly messageId: MessageId
  readonly role: Role
  readonly text: string
  readonly ts: Option.Option<number>
  readonly groupId: Option.Option<GroupId>
  readonly audioUrl: Option.Option<string>
}

/** Why an accepted message is not (yet) in the durable store. */
export type NotPersistedReason = SkipReason | "store_unavailable"

export interface IngestOutcome {
  readonly sessionId: SessionId
  readonly messageId: MessageId
  readonly persisted: boolean
  readonly duplicate: boolean
  readonly skippedReason: Option.Option<NotPersistedReason>
}

const countPersist = (outcome: string, role: Role) =>
  Metric.increment(Metric.tagged(Metric.tagged(transcriptPersistTotal, "outcome", outcome), "role", role))

const conflictOf = (result: Extract<AppendResult, { _tag: "Conflict" }>) =>
  new MessageConflict({ messageId: result.existing.messageId, reason: result.reason })

/**
 * Accepts one transcript message, idempotently on messageId. Durable when the session's privacy
 * allows it; always kept in the bounded session memory that serves context fallbacks. A store
 * failure never fails the request: the message waits in the persistence backlog instead.
 */
export const IngestMessage = Effect.fn("IngestMessage")(function* (command: IngestCommand) {
  const memory = yield* SessionMemory
  const hashing = yield* Hashing
  const now = yield* Clock.currentTimeMillis
  const item: NewTranscriptItem = {
    sessionId: command.sessionId,
    messageId: command.messageId,
    role: command.role,
    text: command.text,
    contentHash: hashing.digest(
      contentOf({ role: command.role, text: command.text, audioUrl: Option.getOrUndefined(command.audioUrl) })
    ),
    ...Option.match(command.groupId, { onNone: () => ({}), onSome: (groupId) => ({ groupId }) }),
    ...Option.match(command.audioUrl, { onNone: () => ({}), onSome: (audioUrl) => ({ audioUrl }) }),
    ts: Option.getOrElse(command.ts, () => now),
    ...(command.role === "assistant" ? { status: "completed" as const } : {})
  }
  yield* Effect.annotateCurrentSpan({ role: item.role })

  const outcome = (
    persisted: boolean,
    duplicate: boolean,
    skippedReason?: NotPersistedReason
  ): IngestOutcome => ({
    sessionId: item.sessionId,
    messageId: item.messageId,
    persisted,
    duplicate,
    skippedReason: Option.fromNullable(skippedReason)
  })

  /** Keeps the item in memory only; memory applies the same idempotency rules as a store. */
  const keepInMemory = Effect.fn("IngestMessage.keepInMemory")(function* (reason: NotPersistedReason) {
    const result = yield* memory.append(item)
    if (result._tag === "Conflict") return yield* conflictOf(result)
    return { result, outcome: outcome(false, result._tag === "Duplicate", reason) }
  })

  const policy = yield* Effect.either(resolvePersistence(command.userId, command.sessionId))
  if (Either.isRight(policy) && !policy.right.persist) {
    const kept = yield* keepInMemory(policy.right.reason)
    if (kept.result._tag === "Inserted") yield* Metric.increment(persistSkippedPrivacyTotal)
    return kept.outcome
  }

  const store = yield* TranscriptStore
  const backlog = yield* PersistenceBacklog
  const written = Either.isRight(policy)
    ? yield* store.append(item).pipe(
        Effect.timed,
        Effect.tap(([elapsed]) => Metric.update(transcriptPersistSeconds, Duration.toSeconds(elapsed))),
        Effect.map(([, result]) => result),
        Effect.either
      )
    : Either.left(policy.left)

  if (Either.isLeft(written)) {
    const kept = yield* keepInMemory("store_unavailable")
    if (kept.result._tag === "Inserted") {
      const queued = yield* backlog.defer(item, command.userId)
      yield* countPersist(queued ? "deferred" : "failed", item.role)
      yield* Effect.logWarning("transcript store unavailable; message kept in memory").pipe(
        Effect.annotateLogs({ operation: written.left.operation, reason: written.left.reason, queued })
      )
    }
    return kept.outcome
  }

  const result = written.right
  yield* countPersist(result._tag.toLowerCase(), item.role)
  if (result._tag === "Conflict") return yield* conflictOf(result)
  yield* memory.append(result.item)
  return outcome(true, result._tag === "Duplicate")
})
