import { HttpServerResponse } from "@effect/platform"
import { Sse } from "@effect/experimental"
import { Chunk, type Duration, Effect, Fiber, Metric, Option, Stream } from "effect"
import type { FinishReason } from "../../application/ports/chat-model.ts"
import type { ChatEvent, ChatTurn } from "../../application/stream-chat.ts"
import { openStreams } from "./http-metrics.ts"

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

const finishReasons: Record<FinishReason, string> = {
  stop: "stop",
  length: "length",
  content_filter: "content-filter",
  other: "other"
}

/** The parts for one turn: `start`, one text part, then `finish` or `error`. */
export const uiMessageParts = (turn: ChatTurn, requestId: string): Stream.Stream<UiMessagePart> => {
  const id = `text-${turn.assistantMessageId}`
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
  return Stream.concat(
    Stream.make<Array<UiMessagePart>>(
      {
        type: "start",
        messageId: turn.assistantMessageId,
        messageMetadata: {
          requestId,
          userMessageId: turn.userMessageId,
          contextMessages: turn.contextMessages,
          provider: turn.provider,
          model: turn.model
        }
      },
      { type: "text-start", id }
    ),
    Stream.mapConcat(turn.events, partsOf)
  )
}

const frame = (part: UiMessagePart) =>
  Sse.encoder.write({ _tag: "Event", event: "message", id: undefined, data: JSON.stringify(part) })

/** An SSE comment: clients ignore it, proxies see traffic on a quiet stream. */
const HEARTBEAT = ": keep-alive\n\n"

export const UI_MESSAGE_STREAM_HEADERS = {
  "cache-control": "no-cache, no-transform",
  "x-vercel-ai-ui-message-stream": "v1",
  "x-accel-buffering": "no"
}

/**
 * `frames` with a heartbeat after each `every` of silence. Each pull of `frames` runs in a fiber of
 * its own that a heartbeat does not interrupt, so no frame is lost.
 */
const withHeartbeats = <E, R>(frames: Stream.Stream<string, E, R>, every: Duration.Duration) =>
  Stream.unwrapScoped(
    Effect.gen(function* () {
      const pull = yield* Stream.toPull(frames)
      const scope = yield* Effect.scope
      let pending: Fiber.RuntimeFiber<Chunk.Chunk<string>, Option.Option<E>> | undefined
      const next = Effect.gen(function* () {
        const fiber = pending ?? (yield* Effect.forkIn(pull, scope))
        pending = fiber
        const exit = yield* Fiber.await(fiber).pipe(Effect.timeout(every), Effect.option)
        if (Option.isNone(exit)) return Chunk.of(HEARTBEAT)
        pending = undefined
        // As a join would: what the pull set (the turn's log annotations) carries on to the next one.
        yield* Fiber.inheritAll(fiber)
        return yield* exit.value
      })
      return Stream.repeatEffectChunkOption(next)
    })
  )

/**
 * The turn as a `text/event-stream` response in the AI SDK UI message stream protocol, ending
 * with `data: [DONE]`, with heartbeats while it is open. Errors after the headers travel in-band;
 * a client that goes away interrupts the stream, and with it the model call.
 */
export const uiMessageStreamResponse = (turn: ChatTurn, requestId: string, heartbeat: Duration.Duration) => {
  const frames = Stream.concat(
    Stream.map(uiMessageParts(turn, requestId), frame),
    Stream.succeed("data: [DONE]\n\n")
  )
  // Counted while the body is written: from the first pull until it ends or the client goes away.
  const counted = Stream.unwrapScoped(
    Effect.as(
      Effect.acquireRelease(Metric.increment(openStreams), () => Metric.incrementBy(openStreams, -1)),
      withHeartbeats(frames, heartbeat)
    )
  )
  return HttpServerResponse.stream(Stream.encodeText(counted), {
    contentType: "text/event-stream",
    headers: UI_MESSAGE_STREAM_HEADERS
  })
}
