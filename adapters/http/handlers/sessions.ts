import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { InspectContext } from "../../../application/build-context.ts"
import { DeleteSession } from "../../../application/delete-session.ts"
import { ReadInteractions } from "../../../application/read-interactions.ts"
import { ReadTranscript } from "../../../application/read-transcript.ts"
import { withSessionPersistence } from "../../../application/session-persistence.ts"
import { ReadSessionPrivacy, UpdatePrivacySettings } from "../../../application/update-privacy-settings.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"
import { decodeCursor, encodeCursor } from "../cursor.ts"
import { encodedAsIs } from "../encoded-as-is.ts"
import { toMessageView } from "../message-view.ts"
import { ContextResponse, MessagesPage } from "../schemas.ts"
import { authorizeSession } from "../session-owner.ts"
import { toGroupView } from "../views.ts"

const DEFAULT_PAGE_SIZE = 50

export const SessionsLive = HttpApiBuilder.group(CoachUpApi, "sessions", (handlers) =>
  handlers
    .handle("listMessages", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const after = yield* decodeCursor(urlParams.cursor)
        yield* authorizeSession(path.sessionId, "read")
        const order = urlParams.order ?? "asc"
        const page = yield* ReadTranscript(path.sessionId, {
          order,
          limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
          after
        })
        return encodedAsIs(MessagesPage, {
          sessionId: path.sessionId,
          order,
          items: page.items.map(toMessageView),
          nextCursor: Option.getOrNull(Option.map(page.next, encodeCursor))
        })
      }).pipe(mapDomainErrors)
    )
    .handle("context", ({ path, urlParams }) =>
      Effect.gen(function* () {
        const { userId } = yield* CurrentPrincipal
        yield* authorizeSession(path.sessionId, "read")
        const window = yield* InspectContext(urlParams.for, path.sessionId).pipe(
          withSessionPersistence(userId, path.sessionId)
        )
        return encodedAsIs(ContextResponse, {
          sessionId: path.sessionId,
          for: window.purpose,
          limit: window.limit,
          systemPrompt: window.systemPrompt,
          source: window.source,
          reason: window.reason,
          contextUnavailable: window.contextUnavailable,
          messages: window.messages.map(toMessageView)
        })
      }).pipe(mapDomainErrors)
    )
    .handle("groups", ({ path }) =>
      authorizeSession(path.sessionId, "read").pipe(
        Effect.zipRight(ReadInteractions(path.sessionId)),
        Effect.map((groups) => ({
          sessionId: path.sessionId,
          groups: groups.map(toGroupView)
        })),
        mapDomainErrors
      )
    )
    .handle("deleteSession", ({ path }) =>
      authorizeSession(path.sessionId, "read").pipe(
        Effect.zipRight(DeleteSession(path.sessionId)),
        mapDomainErrors
      )
    )
    .handle("getSessionPrivacy", ({ path }) =>
      authorizeSession(path.sessionId, "read").pipe(
        Effect.zipRight(CurrentPrincipal),
        Effect.flatMap(({ userId }) => ReadSessionPrivacy(userId, path.sessionId)),
        Effect.map((privacy) => ({ sessionId: path.sessionId, ...privacy })),
        mapDomainErrors
      )
    )
    .handle("setSessionPrivacy", ({ path, payload }) =>
      authorizeSession(path.sessionId, "write").pipe(
        Effect.zipRight(UpdatePrivacySettings({ sessionId: path.sessionId }, payload)),
        Effect.map((settings) => ({ sessionId: path.sessionId, ...settings })),
        mapDomainErrors
      )
    )
)
