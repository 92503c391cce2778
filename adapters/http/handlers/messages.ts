import { HttpApiBuilder } from "@effect/platform"
import { Effect, FiberRef, Option } from "effect"
import { classifyInline } from "../../../application/classify-boundary.ts"
import { type IngestCommand, IngestMessage } from "../../../application/ingest-message.ts"
import { withSessionPersistence } from "../../../application/session-persistence.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"
import { enforceRateLimit } from "../rate-limit.ts"
import { sessionOf } from "../session-of.ts"
import { authorizeSession } from "../session-owner.ts"
import { CurrentRequestId } from "../request-id.ts"

export const MessagesLive = HttpApiBuilder.group(CoachUpApi, "messages", (handlers) =>
  handlers.handle("ingest", ({ payload, headers }) =>
    Effect.gen(function* () {
      const sessionId = yield* sessionOf(payload.sessionId, headers["x-session-id"])
      const { userId } = yield* CurrentPrincipal
      yield* enforceRateLimit("ingest", userId, sessionId)
      yield* authorizeSession(sessionId, "write")
      const command: IngestCommand = {
        userId,
        sessionId,
        messageId: payload.messageId,
        role: payload.role,
        text: payload.text,
        ts: Option.fromNullable(payload.ts),
        groupId: Option.fromNullable(payload.groupId),
        audioUrl: Option.fromNullable(payload.audioUrl),
        requestId: yield* FiberRef.get(CurrentRequestId)
      }
      // One privacy decision for the write and the classification.
      const { outcome, classification } = yield* Effect.gen(function* () {
        const outcome = yield* IngestMessage(command)
        // A user message is classified before the answer, which carries the decision.
        return { outcome, classification: yield* classifyInline(command, outcome) }
      }).pipe(withSessionPersistence(userId, sessionId))
      return {
        messageId: outcome.messageId,
        sessionId: outcome.sessionId,
        persisted: outcome.persisted,
        duplicate: outcome.duplicate,
        ...Option.match(outcome.skippedReason, {
          onNone: () => ({}),
          onSome: (skippedReason) => ({ skippedReason })
        }),
        ...Option.match(classification, {
          onNone: () => ({}),
          onSome: ({ groupId, ...classification }) => ({
            classification: { ...classification, groupId: Option.getOrNull(groupId) }
          })
        })
      }
    }).pipe(mapDomainErrors)
  )
)
