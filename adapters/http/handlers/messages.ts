import { HttpApiBuilder } from "@effect/platform"
import { Clock, Config, Context, Duration, Effect, Layer, Option } from "effect"
import { classifyInline } from "../../../application/classify-boundary.ts"
import { type IngestCommand, IngestMessage } from "../../../application/ingest-message.ts"
import { withSessionPersistence } from "../../../application/session-persistence.ts"
import { CoachUpApi } from "../api.ts"
import { BadRequest, failWith, mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"
import { enforceRateLimit } from "../rate-limit.ts"
import { sessionOf } from "../session-of.ts"
import { authorizeSession } from "../session-owner.ts"
import { currentRequestId } from "../request-id.ts"
import { duration } from "../../../application/config-values.ts"

/** What `IngestSettings.layerConfig` reads. */
export const config = Config.all({ maxClockSkew: duration("MAX_CLOCK_SKEW_MS", 5 * 60_000) })

/** How far the ingest endpoint trusts the caller's clock. */
export class IngestSettings extends Context.Tag("coachup/http/IngestSettings")<
  IngestSettings,
  { readonly maxClockSkew: Duration.Duration }
>() {
  /** A `ts` at most `MAX_CLOCK_SKEW_MS` ahead of the server's clock. */
  static readonly layerConfig = Layer.effect(IngestSettings, config)
}

/**
 * A `ts` further ahead of the server's clock than the allowed skew is refused: a message dated
 * in the far future would sort after every later message and outlive retention.
 */
const refuseFutureTs = (ts: number | undefined) =>
  Effect.gen(function* () {
    if (ts === undefined) return
    const { maxClockSkew } = yield* IngestSettings
    const now = yield* Clock.currentTimeMillis
    if (ts > now + Duration.toMillis(maxClockSkew)) {
      return yield* failWith(
        BadRequest,
        "invalid_request",
        `ts: more than ${Duration.format(maxClockSkew)} ahead of the server's clock`
      )
    }
  })

export const MessagesLive = HttpApiBuilder.group(CoachUpApi, "messages", (handlers) =>
  handlers.handle("ingest", ({ payload, headers }) =>
    Effect.gen(function* () {
      const sessionId = yield* sessionOf(payload.sessionId, headers["x-session-id"])
      yield* refuseFutureTs(payload.ts)
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
        requestId: yield* currentRequestId
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
        queued: outcome.queued,
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
