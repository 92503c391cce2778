import { HttpApiBuilder } from "@effect/platform"
import { Context, type Duration, Effect, FiberRef, Option } from "effect"
import { StreamChat } from "../../../application/stream-chat.ts"
import { SessionRequired } from "../../../domain/errors.ts"
import type { GroupId, MessageId, SessionId } from "../../../domain/ids.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentUser } from "../caller.ts"
import { enforceRateLimit } from "../rate-limit.ts"
import { CurrentRequestId } from "../request-id.ts"
import { uiMessageStreamResponse } from "../sse.ts"

/** How chat streams behave on the wire. */
export class ChatStreamSettings extends Context.Tag("coachup/http/ChatStreamSettings")<
  ChatStreamSettings,
  { readonly heartbeat: Duration.Duration }
>() {}

interface ChatInput {
  readonly sessionId: Option.Option<SessionId>
  readonly headerSessionId: Option.Option<SessionId>
  readonly prompt: string
  readonly messageId: Option.Option<MessageId>
  readonly groupId: Option.Option<GroupId>
}

/** Everything that can fail does so before the first byte: bad input, 409, 429. */
const streamChat = (input: ChatInput) =>
  Effect.gen(function* () {
    const { sessionId: body, headerSessionId: header } = input
    if (Option.isSome(body) && Option.isSome(header) && body.value !== header.value) {
      return yield* new SessionRequired({ message: "sessionId in the body and x-session-id differ" })
    }
    const sessionId = yield* Option.orElse(body, () => header).pipe(
      Effect.mapError(() => new SessionRequired({ message: "sessionId is required (body or x-session-id)" }))
    )
    const userId = yield* CurrentUser
    const requestId = yield* FiberRef.get(CurrentRequestId)
    yield* enforceRateLimit("chat", userId, sessionId)
    const turn = yield* StreamChat({
      userId,
      sessionId,
      groupId: input.groupId,
      prompt: input.prompt,
      promptMessageId: input.messageId,
      requestId
    })
    const { heartbeat } = yield* ChatStreamSettings
    return uiMessageStreamResponse(turn, requestId, heartbeat)
  }).pipe(mapDomainErrors)

export const ChatLive = HttpApiBuilder.group(CoachUpApi, "chat", (handlers) =>
  handlers
    .handle("streamGet", ({ urlParams, headers }) =>
      streamChat({
        sessionId: Option.none(),
        headerSessionId: Option.some(headers["x-session-id"]),
        prompt: urlParams.prompt,
        messageId: Option.fromNullable(urlParams.messageId),
        groupId: Option.fromNullable(headers["x-group-id"])
      })
    )
    .handle("streamPost", ({ payload, headers }) =>
      streamChat({
        sessionId: Option.fromNullable(payload.sessionId),
        headerSessionId: Option.fromNullable(headers["x-session-id"]),
        prompt: payload.prompt,
        messageId: Option.fromNullable(payload.messageId),
        groupId: Option.orElse(Option.fromNullable(payload.groupId), () =>
          Option.fromNullable(headers["x-group-id"])
        )
      })
    )
)
