/**
 * Idempotency on messageId within a session, with no dependencies so that every store (the Convex
 * functions included) applies the very same rule.
 */

/** How a messageId repeated in a session relates to the item that session already stores under it. */
export type Repeat = "duplicate" | "different_content"

interface Identified {
  readonly contentHash: string
}

export const compareRepeat = (stored: Identified, incoming: Identified): Repeat =>
  stored.contentHash !== incoming.contentHash ? "different_content" : "duplicate"
