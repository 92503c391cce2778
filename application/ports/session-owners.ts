import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { SessionId, UserId } from "../../domain/ids.ts"

/**
 * The owner of each session (`domain/session-ownership.ts`). An owner is recorded once and never
 * changes, not even when the session's data is deleted, so a check made before a read or write
 * cannot go stale before it lands, in this process or any other.
 */
export class SessionOwners extends Context.Tag("coachup/SessionOwners")<
  SessionOwners,
  {
    /** The session's owner; none when nobody has written to it. */
    readonly ownerOf: (sessionId: SessionId) => Effect.Effect<Option.Option<UserId>, StoreUnavailable>
    /** Records `writer` as the owner unless the session has one, atomically; answers the owner it has now. */
    readonly claim: (sessionId: SessionId, writer: UserId) => Effect.Effect<UserId, StoreUnavailable>
  }
>() {}
