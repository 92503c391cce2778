import { Context, Layer } from "effect"
import type { SessionId } from "../../domain/ids.ts"

/**
 * Deleted sessions' tombstones in memory, shared by the memory transcript and interaction stores as
 * the durable stores share their table: a deleted session's late writes are refused. A session
 * deleted twice keeps its latest deletion.
 */
export class SessionTombstones extends Context.Tag("coachup/memory/SessionTombstones")<
  SessionTombstones,
  {
    /** When the session was last deleted, if it was. */
    readonly deletedAt: (sessionId: string) => number | undefined
    readonly record: (sessionId: SessionId, at: number) => void
    /** Retention: a deletion older than the cutoff outlived any work begun before it. */
    readonly deleteOlderThan: (cutoff: number) => void
  }
>() {
  static readonly layer = Layer.sync(SessionTombstones, () => {
    const deletions = new Map<string, number>()
    return SessionTombstones.of({
      deletedAt: (sessionId) => deletions.get(sessionId),
      record: (sessionId, at) => void deletions.set(sessionId, Math.max(at, deletions.get(sessionId) ?? at)),
      deleteOlderThan: (cutoff) => {
        for (const [sessionId, at] of deletions) if (at < cutoff) deletions.delete(sessionId)
      }
    })
  })
}
