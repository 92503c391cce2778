/**
 * What a session's listing shows, kept beside its owner and updated with each write so that
 * listing a user's sessions never reads their messages. No imports, so that the Convex functions
 * apply the very same rules.
 */

/** The longest title, in characters. */
export const TITLE_LENGTH = 80

/** The stored summary of a session. `title` is absent until a user message with text is stored. */
export interface SessionSummaryFields {
  readonly messageCount: number
  /** The latest stored message's ts, or the session's creation when none was later. */
  readonly lastActivityAt: number
  readonly title?: string
}

/** The part of a message the summary reads. */
export interface SummarizedMessage {
  readonly role: string
  readonly text: string
  readonly ts: number
}

/**
 * The title a user message gives its session: whitespace runs as one space, trimmed, cut to
 * `TITLE_LENGTH` characters with an ellipsis; none for blank text.
 */
export const titleOf = (text: string): string | undefined => {
  const flat = text.replace(/\s+/g, " ").trim()
  if (flat === "") return undefined
  const characters = Array.from(flat)
  return characters.length <= TITLE_LENGTH
    ? flat
    : `${characters
        .slice(0, TITLE_LENGTH - 1)
        .join("")
        .trimEnd()}…`
}

/** The title a message would give its session: only a user message gives one. */
export const titleFrom = (message: SummarizedMessage): string | undefined =>
  message.role === "user" ? titleOf(message.text) : undefined

/** The title of the first of `messages` (in transcript order) that gives one; reads no further. */
export const firstTitle = (messages: Iterable<SummarizedMessage>): string | undefined => {
  for (const message of messages) {
    const title = titleFrom(message)
    if (title !== undefined) return title
  }
  return undefined
}

/** A new session's summary: no messages, active since it was created. */
export const emptySummary = (createdAt: number): SessionSummaryFields => ({
  messageCount: 0,
  lastActivityAt: createdAt
})

/**
 * The summary after one more message is stored: counted, its ts as the activity when later, and
 * the title taken from it when the session has none.
 */
export const summaryAfterAppend = (
  summary: SessionSummaryFields,
  message: SummarizedMessage
): SessionSummaryFields => {
  const title = summary.title ?? titleFrom(message)
  return {
    messageCount: summary.messageCount + 1,
    lastActivityAt: Math.max(summary.lastActivityAt, message.ts),
    ...(title === undefined ? {} : { title })
  }
}

/**
 * The summary after a message that is kept only in a process's memory (an opted-out session's):
 * counted, its ts as the activity when later, and no title, since no text is stored.
 */
export const summaryAfterUnstored = (summary: SessionSummaryFields, ts: number): SessionSummaryFields => ({
  ...summary,
  messageCount: summary.messageCount + 1,
  lastActivityAt: Math.max(summary.lastActivityAt, ts)
})

/**
 * The summary after the whole session is deleted: nothing counted, those kept only in memory
 * included, and no title. The activity stays, as after a removal.
 */
export const summaryAfterDeletion = (summary: SessionSummaryFields): SessionSummaryFields => ({
  messageCount: 0,
  lastActivityAt: summary.lastActivityAt
})

/**
 * The summary after `removed` messages are deleted: fewer counted, and `title` that of the first
 * user message left (`firstTitle`). The activity stays: it says when the session was last used,
 * not what it holds.
 */
export const summaryAfterRemoval = (
  summary: SessionSummaryFields,
  removed: number,
  title: string | undefined
): SessionSummaryFields => ({
  messageCount: Math.max(0, summary.messageCount - removed),
  lastActivityAt: summary.lastActivityAt,
  ...(title === undefined ? {} : { title })
})
