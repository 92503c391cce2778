import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Config, Context, Effect, Layer, Option } from "effect"
import { duration } from "../../../application/config-values.ts"
import { FollowReply, StopReply } from "../../../application/follow-reply.ts"
import { StreamResumableChat } from "../../../application/resumable-chat.ts"
import type { GroupId, MessageId, SessionId } from "../../../domain/ids.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"
import { enforceRateLimit } from "../rate-limit.ts"
import { sessionOf } from "../session-of.ts"
import { ServerShutdown } from "../shutdown.ts"
import { ChatStreamCapacity } from "../stream-capacity.ts"
import { authorizeSession } from "../session-owner.ts"
import { currentRequestId } from "../request-id.ts"
import { followedReplyResponse } from "../follow-sse.ts"
import { makeHeartbeats, type Heartbeats } from "../heartbeats.ts"
import { uiMessageStreamResponse } from "../sse.ts"

/** What `ChatStreamSettings.layerConfig` reads. */
export const config = Config.all({ heartbeat: duration("SSE_HEARTBEAT_SECONDS", 15, "seconds") })

/** How chat streams behave on the wire. */
export class ChatStreamSettings extends Context.Tag("coachup/http/ChatStreamSettings")<
  ChatStreamSettings,
  {
    /** The one timer that beats every quiet chat stream, a turn's or a follower's. */
    readonly heartbeats: Heartbeats
  }
>() {
  /** A heartbeat after `SSE_HEARTBEAT_SECONDS` of silence. */
  static readonly layerConfig = Layer.scoped(
    ChatStreamSettings,
    Effect.flatMap(config, ({ heartbeat }) =>
      Effect.map(makeHeartbeats(heartbeat), (heartbeats) => ({ heartbeats }))
    )
  )
}

interface ChatInput {
  readonly sessionId: SessionId | undefined
  readonly headerSessionId: SessionId | undefined
  readonly prompt: string
  readonly messageId: Option.Option<MessageId>
  readonly groupId: Option.Option<GroupId>
  readonly replaces: Option.Option<MessageId>
}

/**
 * Everything that can fail does so before the first byte: bad input, 409, 429, 503 at capacity. The
 * stream's slot is held by the turn, so it is given back when the reply ends, whether or not its
 * client stayed.
 */
const streamChat = (input: ChatInput) =>
  Effect.gen(function* () {
    const sessionId = yield* sessionOf(input.sessionId, input.headerSessionId)
    const { userId } = yield* CurrentPrincipal
    const requestId = yield* currentRequestId
    yield* enforceRateLimit("chat", userId, sessionId)
    yield* authorizeSession(sessionId, "write")
    const server = yield* ServerShutdown
    const capacity = yield* ChatStreamCapacity
    const turn = yield* StreamResumableChat(
      {
        userId,
        sessionId,
        groupId: input.groupId,
        prompt: input.prompt,
        promptMessageId: input.messageId,
        replaces: input.replaces,
        requestId
      },
      // The turn holds its stream slot, and counts in the shutdown's drain, until its reply ends.
      (scope) => capacity.hold(userId, scope),
      server.holdTurn
    )
    const { heartbeats } = yield* ChatStreamSettings
    return yield* uiMessageStreamResponse(turn, requestId, heartbeats, server)
  }).pipe(mapDomainErrors)

/**
 * The session's reply in flight, followed to its end; 204 when there is none. A follower holds a
 * stream slot like a turn, for as long as it follows.
 */
const followReply = (sessionId: SessionId) =>
  Effect.gen(function* () {
    const { userId } = yield* CurrentPrincipal
    yield* authorizeSession(sessionId, "read")
    const capacity = yield* ChatStreamCapacity
    yield* capacity.hold(userId, yield* Effect.scope)
    const followed = yield* FollowReply(sessionId)
    if (Option.isNone(followed)) return HttpServerResponse.empty({ status: 204 })
    const { heartbeats } = yield* ChatStreamSettings
    return yield* followedReplyResponse(followed.value, heartbeats)
  }).pipe(mapDomainErrors)

export const ChatLive = HttpApiBuilder.group(CoachUpApi, "chat", (handlers) =>
  handlers
    .handle("resume", ({ path }) => followReply(path.sessionId))
    .handle("stopReply", ({ path }) =>
      Effect.gen(function* () {
        yield* authorizeSession(path.sessionId, "write")
        return { sessionId: path.sessionId, stopped: yield* StopReply(path.sessionId) }
      }).pipe(mapDomainErrors)
    )
    .handle("streamGet", ({ urlParams, headers }) =>
      streamChat({
        sessionId: undefined,
        headerSessionId: headers["x-session-id"],
        prompt: urlParams.prompt,
        messageId: Option.fromNullable(urlParams.messageId),
        groupId: Option.fromNullable(headers["x-group-id"]),
        replaces: Option.none()
      })
    )
    .handle("streamPost", ({ payload, headers }) =>
      streamChat({
        sessionId: payload.sessionId,
        headerSessionId: headers["x-session-id"],
        prompt: payload.prompt,
        messageId: Option.fromNullable(payload.messageId),
        groupId: Option.orElse(Option.fromNullable(payload.groupId), () =>
          Option.fromNullable(headers["x-group-id"])
        ),
        replaces: Option.fromNullable(payload.replaces)
      })
    )
)
