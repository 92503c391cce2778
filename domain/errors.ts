import { Schema } from "effect"
import { MessageId, SessionId } from "./ids.ts"

/** The session already stores the messageId with other content. */
export class MessageConflict extends Schema.TaggedError<MessageConflict>()("MessageConflict", {
  messageId: MessageId
}) {}

/** A request names no session, or two different ones. */
export class SessionRequired extends Schema.TaggedError<SessionRequired>()("SessionRequired", {
  message: Schema.String
}) {}

/** A durable store cannot serve the call now (down, locked, timed out). */
export class StoreUnavailable extends Schema.TaggedError<StoreUnavailable>()("StoreUnavailable", {
  operation: Schema.String,
  reason: Schema.String
}) {}

/** A page cursor that this service did not issue. */
export class InvalidCursor extends Schema.TaggedError<InvalidCursor>()("InvalidCursor", {
  cursor: Schema.String
}) {}

/** A language model could not produce (the rest of) a reply. */
export class ModelFailed extends Schema.TaggedError<ModelFailed>()("ModelFailed", {
  reason: Schema.Literal("timeout", "rate_limited", "unavailable", "rejected", "protocol"),
  message: Schema.String
}) {}

/** The caller owns no session by this id: another user's session and a never-written one look alike. */
export class SessionNotFound extends Schema.TaggedError<SessionNotFound>()("SessionNotFound", {
  sessionId: SessionId
}) {}

/** The durable outbox holds as many writes as it may: it takes no new one until some are delivered. */
export class OutboxFull extends Schema.TaggedError<OutboxFull>()("OutboxFull", {
  capacity: Schema.Number
}) {}

/**
 * Neither the store nor the outbox can take a transcript write now (the outbox is full or failing,
 * or the session's privacy setting cannot be read): nothing was kept, and the caller retries.
 */
export class WriteRefused extends Schema.TaggedError<WriteRefused>()("WriteRefused", {
  reason: Schema.Literal("outbox_full", "outbox_unavailable", "privacy_unknown"),
  retryAfterSeconds: Schema.Number
}) {}

/** A regeneration named a reply the session does not hold finished (unknown, a user message, or still streaming). */
export class ReplyNotFound extends Schema.TaggedError<ReplyNotFound>()("ReplyNotFound", {
  messageId: MessageId
}) {}
