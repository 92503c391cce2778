import { Schema } from "effect"

/** Identifier characters accepted from callers: letters, digits and `._:-`, starting with a letter or digit. */
const identifier = (brand: string) =>
  Schema.String.pipe(
    Schema.minLength(1, { message: () => `${brand} must not be empty` }),
    Schema.maxLength(128, { message: () => `${brand} must be at most 128 characters` }),
    Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
      message: () => `${brand} may contain only letters, digits and . _ : - (starting with a letter or digit)`
    })
  )

/**
 * An id read back from a store or written into an answer: branded text. Its rules (`identifier`) were
 * checked when it came in; checking its length and pattern again for every row read and every item
 * answered (a regular expression each) costs as much as the rest of the row.
 */
export const storedId = <B extends "SessionId" | "MessageId" | "GroupId">(brand: B) =>
  Schema.String.pipe(Schema.brand(brand))

/** A coaching session: the key every transcript is stored and selected by. */
export const SessionId = identifier("sessionId").pipe(Schema.brand("SessionId"))
export type SessionId = typeof SessionId.Type

/** A caller-chosen message id; ingestion is idempotent on it. */
export const MessageId = identifier("messageId").pipe(Schema.brand("MessageId"))
export type MessageId = typeof MessageId.Type

/** An interaction group. Metadata on a transcript item only: never used to select context. */
export const GroupId = identifier("groupId").pipe(Schema.brand("GroupId"))
export type GroupId = typeof GroupId.Type

/** The person a request acts for. */
export const UserId = identifier("userId").pipe(Schema.brand("UserId"))
export type UserId = typeof UserId.Type
