import { Cause, Clock, Effect, Option } from "effect"
import type { GroupId, MessageId, SessionId, UserId } from "../domain/ids.ts"
import { contentOf, type MessageStatus, type NewTranscriptItem, type Role } from "../domain/transcript.ts"
import { BackgroundWork } from "./background-work.ts"
import { ClassifyBoundary, type ClassificationOutcome } from "./classify-boundary.ts"
import { hashedIds } from "./hashed-id.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { Hashing } from "./ports/hashing.ts"
import { type NotPersistedReason, RecordTranscriptItem } from "./record-transcript-item.ts"

export type { NotPersistedReason }

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
  /** For the classifier's provider call. */
  readonly requestId?: string
}

/**
 * How a user message is classified: before answering (the ingest response carries the decision), or
 * by the caller later with `classifyInBackground` (a chat turn starts it once its first token is
 * out). Assistant messages are not classified.
 */
export type Classify = "inline" | "later"

export interface IngestOutcome {
  readonly sessionId: SessionId
  readonly messageId: MessageId
  readonly persisted: boolean
  readonly duplicate: boolean
  readonly skippedReason: Option.Option<NotPersistedReason>
  /** The item as accepted (its ts is the server's clock when the caller gave none). */
  readonly item: NewTranscriptItem
  /** A user message's classification, when classified inline and the classification succeeded. */
  readonly classification: Option.Option<ClassificationOutcome>
}

/** The transcript item a command describes, with its content hash and timestamp. */
export const toTranscriptItem = Effect.fn("IngestMessage.toTranscriptItem")(function* (
  command: IngestCommand
) {
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
 * Accepts one transcript message, idempotently on messageId: durable when the session's privacy
 * allows it, always kept in session memory; a store failure defers the write, never fails the call.
 */
export const IngestMessage = Effect.fn("IngestMessage")(function* (
  command: IngestCommand,
  options: { readonly classify?: Classify } = {}
) {
  const startedAt = yield* Clock.currentTimeMillis
  const item = yield* toTranscriptItem(command)
  const outcome = yield* RecordTranscriptItem(item, command.userId, "append")
  const classification =
    item.role !== "user" || options.classify === "later"
      ? Option.none()
      : yield* classify(command, item, startedAt).pipe(
          Effect.map(Option.some),
          // Logged above; the message is recorded, so the ingest answers without a classification.
          Effect.catchAllCause(() => Effect.succeed(Option.none()))
        )
  const result = {
    sessionId: item.sessionId,
    messageId: item.messageId,
    item,
    classification,
    ...outcome
  } satisfies IngestOutcome
  const durationMs = (yield* Clock.currentTimeMillis) - startedAt
  // Its ids are hashed only when the line is written.
  yield* Effect.whenLogLevel(logIngestion(result, command, options.classify ?? "inline", durationMs), "Info")
  return result
})

const classify = (command: IngestCommand, item: NewTranscriptItem, receivedAt: number) =>
  ClassifyBoundary({
    userId: command.userId,
    sessionId: item.sessionId,
    messageId: item.messageId,
    message: { role: item.role, text: item.text },
    requestId: command.requestId ?? "",
    receivedAt
  }).pipe(
    Effect.tapErrorCause((cause) =>
      Effect.logWarning("message not classified").pipe(Effect.annotateLogs({ cause: Cause.pretty(cause) }))
    )
  )

/**
 * Classifies an ingested user message in a background fiber; its outcome is logged, not returned.
 * `receivedAt`: when the message arrived, so that a session deleted since stays deleted.
 */
export const classifyInBackground = (command: IngestCommand, item: NewTranscriptItem, receivedAt: number) =>
  Effect.flatMap(BackgroundWork, (background) => background.fork(classify(command, item, receivedAt)))

/** One line per ingestion, with ids hashed and never the message's text. */
const logIngestion = Effect.fnUntraced(function* (
  result: IngestOutcome,
  command: IngestCommand,
  classify: Classify,
  durationMs: number
) {
  const hashed = yield* hashedIds
  const classifier = yield* BoundaryClassifier
  const classification = Option.getOrUndefined(result.classification)
  const classifiedHow =
    result.item.role !== "user" ? "not_classified" : classify === "inline" ? "failed" : "background"
  yield* Effect.logInfo("message ingested").pipe(
    Effect.annotateLogs({
      requestId: command.requestId ?? "none",
      role: result.item.role,
      session: hashed(result.sessionId),
      group: Option.getOrElse(Option.map(command.groupId, hashed), () => "none"),
      outcome: result.persisted
        ? result.duplicate
          ? "duplicate"
          : "persisted"
        : Option.getOrElse(result.skippedReason, () => "not_persisted"),
      textChars: result.item.text.length,
      classifier: classifier.name,
      decision: classification?.decision ?? classifiedHow,
      applied: classification?.applied ?? classifiedHow,
      confidence: classification?.confidence ?? -1,
      classifierContextMessages: classification?.contextMessages ?? -1,
      durationMs
    })
  )
})
