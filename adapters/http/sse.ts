import { HttpServerResponse } from "@effect/platform"
import { Sse } from "@effect/experimental"
import { Clock, Effect, Scope } from "effect"
import type { FinishReason } from "../../application/ports/chat-model.ts"
import type { ChatEvent } from "../../application/chat-turn.ts"
import { eventLoopTurn } from "../../application/event-loop.ts"
import { adjustGauge } from "../../application/metrics.ts"
import type { ChatTurn } from "../../application/stream-chat.ts"
import { openStreams } from "./http-metrics.ts"
import type { Heartbeats, QuietStream } from "./heartbeats.ts"
import type { ServerShutdown } from "./shutdown.ts"
import { type WithoutScope, writtenBody } from "./written-body.ts"
import { acquireReleasePlain } from "../../application/acquire-release-plain.ts"

/** Parts of the AI SDK UI message stream protocol (v1) that a chat turn sends. */
export type UiMessagePart =
  | { readonly type: "start"; readonly messageId: string; readonly messageMetadata: Record<string, unknown> }
  | { readonly type: "text-start" | "text-end"; readonly id: string }
  | { readonly type: "text-delta"; readonly id: string; readonly delta: string }
  | {
      readonly type: "finish"
      readonly finishReason: string
      readonly messageMetadata: Record<string, unknown>
    }
  | { readonly type: "error"; readonly errorText: string }
  | { readonly type: "abort" }

/** The AI SDK's name for each way a reply can finish. */
export const finishReasons: Record<FinishReason, string> = {
  stop: "stop",
  length: "length",
  content_filter: "content-filter",
  other: "other"
}

/** The parts of one turn: `start` and `text-start` (`opening`), then those of each event (`partsOf`). */
const uiMessageParts = (turn: ChatTurn, requestId: string) => {
  const id = `text-${turn.assistantMessageId}`
  const opening: ReadonlyArray<UiMessagePart> = [
    {
      type: "start",
      messageId: turn.assistantMessageId,
      messageMetadata: {
        requestId,
        userMessageId: turn.userMessageId,
        contextMessages: turn.contextMessages,
        contextTokens: turn.contextTokens,
        contextUnavailable: turn.contextUnavailable,
        provider: turn.provider,
        model: turn.model
      }
    },
    { type: "text-start", id }
  ]
  const partsOf = (event: ChatEvent): ReadonlyArray<UiMessagePart> => {
    switch (event._tag) {
      case "Delta":
        return [{ type: "text-delta", id, delta: event.text }]
      case "Finished":
        return [
          { type: "text-end", id },
          {
            type: "finish",
            finishReason: finishReasons[event.reason],
            messageMetadata: { usage: event.usage._tag === "Some" ? event.usage.value : null }
          }
        ]
      case "Failed":
        return [
          { type: "text-end", id },
          {
            type: "error",
            errorText: `The coach could not finish this reply (${event.reason}). Please try again.`
          }
        ]
    }
  }
  /** The end of a stream the server's shutdown cut: the reply is kept incomplete, with its text so far. */
  const shutDown: ReadonlyArray<UiMessagePart> = [
    { type: "text-end", id },
    {
      type: "error",
      errorText: "The service restarted before this reply finished; what arrived is saved. Please try again."
    }
  ]
  return { opening, partsOf, shutDown }
}

export const frames = (parts: ReadonlyArray<UiMessagePart>) =>
  parts
    .map((part) =>
      Sse.encoder.write({ _tag: "Event", event: "message", id: undefined, data: JSON.stringify(part) })
    )
    .join("")

/** An SSE comment: clients ignore it, proxies see traffic on a quiet stream. */
export const HEARTBEAT = ": keep-alive\n\n"
export const DONE = "data: [DONE]\n\n"

export const UI_MESSAGE_STREAM_HEADERS = {
  "cache-control": "no-cache, no-transform",
  "x-vercel-ai-ui-message-stream": "v1",
  "x-accel-buffering": "no"
}

const encoder = new TextEncoder()
const heartbeat = encoder.encode(HEARTBEAT)

/**
 * A `text/event-stream` response in the AI SDK UI message stream protocol: the frames `write` sends,
 * then `data: [DONE]`, with a heartbeat after each `heartbeats.every` of silence. One fiber runs
 * `write` and writes its frames straight into the response's body (`writtenBody`); the process's one
 * heartbeat timer writes there too, so no fiber per stream beats. The heartbeats stop before `[DONE]`,
 * so that none can follow it. A client that goes away interrupts `write`. The stream counts as open
 * from the server's first read until it ends or the client goes away. `write` is given the stream's
 * scope, which closes once it has ended.
 */
export const eventStreamResponse = <R>(
  heartbeats: Heartbeats,
  write: (
    send: (text: string) => Effect.Effect<void>,
    scope: Scope.Scope
  ) => Effect.Effect<void, never, WithoutScope<R>>
) =>
  Effect.map(
    writtenBody((sink, scope) =>
      Effect.gen(function* () {
        yield* acquireReleasePlain(scope, adjustGauge(openStreams, 1), () => adjustGauge(openStreams, -1))
        const quiet: QuietStream = {
          lastSentAt: yield* Clock.currentTimeMillis,
          beat: (now) => {
            if (sink.unsafeWriteIfIdle(heartbeat)) quiet.lastSentAt = now
          }
        }
        const send = (text: string) =>
          Effect.zipRight(
            sink.write(encoder.encode(text)),
            Effect.map(Clock.currentTimeMillis, (now) => {
              quiet.lastSentAt = now
            })
          )
        yield* heartbeats.watch(quiet, scope)
        yield* write(send, scope).pipe(Effect.ensuring(heartbeats.stop(quiet)), Effect.zipRight(send(DONE)))
      })
    ),
    (body) =>
      HttpServerResponse.raw(body, { contentType: "text/event-stream", headers: UI_MESSAGE_STREAM_HEADERS })
  )

/**
 * The turn as an event stream (`eventStreamResponse`). Errors after the headers travel in-band; a
 * client that goes away stops the reading of the turn, not the turn. Given the server's shutdown, the
 * stream holds it open and is ended in-band when its grace is over.
 *
 * The writer takes the events that have come since it last asked as one batch, and sends their frames
 * in one write. After each batch it lets the event loop turn, so that the batch reaches the socket
 * before the next is made however fast they come, and one fast stream does not hold up the others.
 */
export const uiMessageStreamResponse = (
  turn: ChatTurn,
  requestId: string,
  heartbeats: Heartbeats,
  shutdown?: ServerShutdown["Type"]
) => {
  const { opening, partsOf, shutDown } = uiMessageParts(turn, requestId)
  return eventStreamResponse(heartbeats, (send, scope) =>
    Effect.gen(function* () {
      // Once the shutdown's grace is over the turn is stopped — it runs apart from this response, so
      // ending the response alone would not stop it — and its reply kept incomplete with the text so
      // far; the client is told in-band, after the last of its text.
      let cutByShutdown = false
      if (shutdown !== undefined)
        yield* shutdown.holdStream(
          Effect.suspend(() => {
            cutByShutdown = true
            return turn.stop
          }),
          scope
        )
      // The opening goes out with the first event, or when the model call first waits.
      let ended = false
      const events = turn.readEach((events) => {
        ended ||= events.some((event) => event._tag !== "Delta")
        return Effect.zipRight(send(frames(events.flatMap(partsOf))), eventLoopTurn)
      })
      // A reply the shutdown cut short ends with no event of its own: the stream says why.
      const endOfShutdown = Effect.suspend(() =>
        cutByShutdown && !ended ? send(frames(shutDown)) : Effect.void
      )
      yield* send(frames(opening)).pipe(Effect.zipRight(events), Effect.zipRight(endOfShutdown))
    })
  )
}
