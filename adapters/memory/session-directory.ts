import { Context, Layer } from "effect"
import type { SessionId, UserId } from "../../domain/ids.ts"
import type { SessionSummaryFields } from "../../domain/session-summary.ts"

/** A session's owner and summary, as the memory stores keep them. */
export interface SessionEntry {
  readonly owner: UserId
  readonly createdAt: number
  summary: SessionSummaryFields
}

/**
 * Owners and summaries by session, shared by the memory `SessionOwners` (which claims and lists)
 * and the memory `TranscriptStore` (which updates a summary with each write it makes).
 */
export class SessionDirectory extends Context.Tag("coachup/memory/SessionDirectory")<
  SessionDirectory,
  Map<SessionId, SessionEntry>
>() {
  static readonly layer = Layer.sync(SessionDirectory, () => new Map<SessionId, SessionEntry>())
}
