import { Effect } from "effect"
import { AuthorizeSession, type SessionAccess } from "../../application/session-access.ts"
import type { SessionId } from "../../domain/ids.ts"
import { CurrentPrincipal } from "./authentication/principal.ts"

/** Lets the request go on only if its principal's user may act on the session as `access` says. */
export const authorizeSession = (sessionId: SessionId, access: SessionAccess) =>
  Effect.flatMap(CurrentPrincipal, ({ userId }) => AuthorizeSession(userId, sessionId, access))
