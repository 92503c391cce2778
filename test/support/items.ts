import { Option } from "effect"
import type { IngestCommand } from "../../application/ingest-message.ts"
import { GroupId, MessageId, SessionId, UserId } from "../../domain/ids.ts"
import { type InteractionCommit, noInteraction } from "../../domain/interaction-group.ts"
import { contentOf, type NewTranscriptItem, type Role } from "../../domain/transcript.ts"

/** A new transcript item for tests; the content hash is the content itself (stores only compare it). */
export const newItem = (
  fields: {
    readonly sessionId?: string
    readonly messageId: string
    readonly text?: string
    readonly role?: Role
    readonly ts?: number
    readonly groupId?: string
  } & Partial<Pick<NewTranscriptItem, "audioUrl" | "status">>
): NewTranscriptItem => {
  const role = fields.role ?? "user"
  const text = fields.text ?? `text of ${fields.messageId}`
  return {
    sessionId: SessionId.make(fields.sessionId ?? "session-1"),
    messageId: MessageId.make(fields.messageId),
    role,
    text,
    contentHash: contentOf({ role, text, audioUrl: fields.audioUrl }),
    ts: fields.ts ?? 1_000,
    ...(fields.groupId === undefined ? {} : { groupId: GroupId.make(fields.groupId) }),
    ...(fields.audioUrl === undefined ? {} : { audioUrl: fields.audioUrl }),
    ...(fields.status === undefined ? {} : { status: fields.status })
  }
}

/** A user message to ingest, as the HTTP adapter would hand it over with no optional fields. */
export const userMessage = (
  sessionId: string,
  messageId: string,
  text: string,
  fields: Partial<Pick<IngestCommand, "userId" | "requestId">> = {}
): IngestCommand => ({
  userId: UserId.make("test-user"),
  sessionId: SessionId.make(sessionId),
  messageId: MessageId.make(messageId),
  role: "user",
  text,
  ts: Option.none(),
  groupId: Option.none(),
  audioUrl: Option.none(),
  ...fields
})

/**
 * An interaction commit that only records a message's classification (`ignore`: it joins no group)
 * at `at`, against the session's version `expectedVersion`.
 */
export const classificationOnly = (
  sessionId: string,
  messageId: string,
  at: number,
  expectedVersion: number
): InteractionCommit => ({
  sessionId: SessionId.make(sessionId),
  expectedVersion,
  state: noInteraction,
  classification: Option.some({
    messageId: MessageId.make(messageId),
    sessionId: SessionId.make(sessionId),
    decision: "ignore",
    applied: "ignore",
    confidence: 0.9,
    groupId: Option.none(),
    at
  }),
  effects: [],
  at,
  requestId: Option.none()
})
