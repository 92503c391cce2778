/**
 * Who may act on a session, once for every store: the user who first wrote to it owns it, for
 * good. No imports, so that the Convex functions apply the very same rule.
 */

/** The owner a write leaves on a session: the one stored, or the writer when it has none. */
export const ownerAfterWrite = (stored: string | undefined, writer: string): string => stored ?? writer

/** Whether `caller` may read or write a session whose owner is `owner` (none: never written). */
export const owns = (owner: string | undefined, caller: string): boolean => owner === caller
