import { Clock, Effect, Option } from "effect"
import type { GroupId, MessageId, SessionId, UserId } from "../domain/ids.ts"
import { contentOf, type MessageStatus, type NewTranscriptItem, type Role } from "../domain/transcript.ts"
import { hashedIds } from "./hashed-id.ts"
import { type LogEvent, logEvent } from "./log-line.ts"
import { Hashing } from "./ports/hashing.ts"
import { type RecordOutcome, RecordTranscriptItem } from "./record-transcript-item.ts"
import { spanWhenTraced } from "./traced.ts"

export interface IngestCommand {
  readonly userId: UserId
  readonly sessionId: SessionId
  readonly messageId: MessageId
  readonly role: Role
  readonly text: string
  readonly ts: Option.Option<number>
  readonly groupId: Option.Option<GroupId>
  readonly audioUrl: Option.Option<string>
  /** Assistant replies only; `completed` when not given. */
  readonly status?: MessageStatus
  /** For the log line and the classifier's provider call. */
  readonly requestId?: string
}

export interface IngestOutcome extends RecordOutcome {
  readonly sessionId: SessionId
  readonly messageId: MessageId
  /** The item as accepted (its ts is the server's clock when the caller gave none). */
  readonly item: NewTranscriptItem
  /** When the service took the message: work on it must not write back a session deleted since. */
  readonly receivedAt: number
}

/** The transcript item a command describes, with its content hash and timestamp. */
export const toTranscriptItem = Effect.fnUntraced(function* (command: IngestCommand) {
  const hashing = yield* Hashing
  const now = yield* Clock.currentTimeMillis
  const audioUrl = Option.getOrUndefined(command.audioUrl)
  const item: NewTranscriptItem = {
    sessionId: command.sessionId,
    messageId: command.messageId,
    role: command.role,
    text: command.text,
    contentHash: hashing.digest(contentOf({ role: command.role, text: command.text, audioUrl })),
    ...Option.match(command.groupId, { onNone: () => ({}), onSome: (groupId) => ({ groupId }) }),
    ...(audioUrl === undefined ? {} : { audioUrl }),
    ts: Option.getOrElse(command.ts, () => now),
    ...(command.role === "assistant" ? { status: command.status ?? "completed" } : {})
  }
  return item
})

/**
 * Accepts one transcript message, idempotently on messageId: in the store, or queued in the outbox
 * when the store cannot take it, when the session's privacy allows it; in session memory as well.
 * Fails with `WriteRefused` when neither the store nor the outbox can take it. It records and nothing
 * else: a caller that wants the message classified does that next.
 */
export const IngestMessage = Effect.fnUntraced(function* (command: IngestCommand) {
  const receivedAt = yield* Clock.currentTimeMillis
  const item = yield* toTranscriptItem(command)
  const outcome = yield* RecordTranscriptItem(item, command.userId, "append")
  const result = {
    sessionId: item.sessionId,
    messageId: item.messageId,
    item,
    receivedAt,
    ...outcome
  } satisfies IngestOutcome
  const durationMs = (yield* Clock.currentTimeMillis) - receivedAt
  yield* logEvent("message ingested", "ingest", ingestionEvent(result, command, durationMs))
  return result
}, spanWhenTraced("IngestMessage"))

/** An ingestion as its request's log line tells it: ids hashed, never the message's text. */
const ingestionEvent = (result: IngestOutcome, command: IngestCommand, durationMs: number) =>
  Effect.map(hashedIds, (hashed): LogEvent => ({
    ids: {
      requestId: command.requestId ?? "none",
      session: hashed(result.sessionId),
      group: Option.getOrElse(Option.map(command.groupId, hashed), () => "none")
    },
    fields: {
      role: result.item.role,
      outcome: result.persisted
        ? result.duplicate
          ? "duplicate"
          : "persisted"
        : result.queued
          ? "queued"
          : Option.getOrElse(result.skippedReason, () => "not_persisted"),
      textChars: result.item.text.length,
      durationMs
    }
  }))
