import { Context, type Effect, Option, Schema } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import { SessionId, type UserId } from "../../domain/ids.ts"

/**
 * A session as its owner's list shows it (`domain/session-summary.ts`); encoded, the row a store
 * answers, its title null when it has none.
 */
export const OwnedSession = Schema.Struct({
  sessionId: SessionId,
  /** When the owner first wrote to it (ms since epoch). */
  createdAt: Schema.Number,
  lastActivityAt: Schema.Number,
  messageCount: Schema.Number,
  title: Schema.OptionFromNullOr(Schema.String)
})
export type OwnedSession = typeof OwnedSession.Type

/** A place in an owner's list, which runs by last activity, newest first, then by session id, descending. */
export interface SessionListPosition {
  readonly lastActivityAt: number
  readonly sessionId: SessionId
}

export interface SessionListRequest {
  readonly limit: number
  /** Start strictly after this place. */
  readonly after: Option.Option<SessionListPosition>
}

export interface SessionList {
  readonly sessions: ReadonlyArray<OwnedSession>
  /** Where the next page starts; none when this page reached the end. */
  readonly next: Option.Option<SessionListPosition>
}

/** A page of `limit` sessions from rows fetched `limit + 1` at a time, in list order. */
export const sessionListOf = (fetched: ReadonlyArray<OwnedSession>, limit: number): SessionList => {
  const sessions = fetched.slice(0, limit)
  const last = sessions.at(-1)
  return {
    sessions,
    next:
      fetched.length > limit && last !== undefined
        ? Option.some({ lastActivityAt: last.lastActivityAt, sessionId: last.sessionId })
        : Option.none()
  }
}

/**
 * The owner of each session (`domain/session-ownership.ts`), with the session's summary, which the
 * transcript store updates in the same transaction as each write. An owner is recorded once and
 * never changes while the owner keeps any data (deleting a session keeps it), so a check made
 * before a read or write cannot go stale before it lands, in this process or any other; only
 * `release`, when the owner deletes all their data, forgets it.
 */
export class SessionOwners extends Context.Tag("coachup/SessionOwners")<
  SessionOwners,
  {
    /** The session's owner; none when nobody has written to it. */
    readonly ownerOf: (sessionId: SessionId) => Effect.Effect<Option.Option<UserId>, StoreUnavailable>
    /** Records `writer` as the owner unless the session has one, atomically; answers the owner it has now. */
    readonly claim: (sessionId: SessionId, writer: UserId) => Effect.Effect<UserId, StoreUnavailable>
    /** A page of the owner's sessions, by last activity, newest first; the cost does not grow with messages. */
    readonly sessionsOf: (
      owner: UserId,
      request: SessionListRequest
    ) => Effect.Effect<SessionList, StoreUnavailable>
    /**
     * Counts in the session's summary a message kept only in a process's memory (an opted-out
     * session's): its activity, never its text, so that another process can tell that its own
     * memory misses the session's context. Nothing for a session with no owner.
     */
    readonly countUnstored: (sessionId: SessionId, ts: number) => Effect.Effect<void, StoreUnavailable>
    /** The messages the session has had, stored or counted by `countUnstored`; 0 when nobody wrote to it. */
    readonly messageCountOf: (sessionId: SessionId) => Effect.Effect<number, StoreUnavailable>
    /** Forgets the session's owner and summary, so the session id is free again. */
    readonly release: (sessionId: SessionId) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
