/**
 * Idempotency on messageId, with no dependencies so that every store (the Convex functions
 * included) applies the very same rule.
 */

/** How a repeated messageId relates to the item already stored under it. */
export type Repeat = "duplicate" | "different_content" | "different_session"

interface Identified {
  readonly sessionId: string
  readonly contentHash: string
}

export const compareRepeat = (stored: Identified, incoming: Identified): Repeat =>
  stored.sessionId !== incoming.sessionId
    ? "different_session"
    : stored.contentHash !== incoming.contentHash
      ? "different_content"
      : "duplicate"
