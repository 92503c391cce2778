import { Option, Stream } from "effect"
import type { FollowedReply, ReplyEnd, ReplySnapshot } from "../../application/ports/replies-in-flight.ts"
import type { Heartbeats } from "./heartbeats.ts"
import { eventStreamResponse, finishReasons, frames, type UiMessagePart } from "./sse.ts"

/** The parts that end a followed reply, as its producer ended it. */
const closing = (id: string, end: ReplyEnd): ReadonlyArray<UiMessagePart> => {
  const textEnd: UiMessagePart = { type: "text-end", id }
  switch (end._tag) {
    case "Finished":
      return [
        textEnd,
        {
          type: "finish",
          finishReason: finishReasons[end.reason],
          messageMetadata: { usage: Option.getOrNull(end.usage) }
        }
      ]
    case "Failed":
      return [
        textEnd,
        {
          type: "error",
          errorText: `The coach could not finish this reply (${end.reason}). Please try again.`
        }
      ]
    case "CutShort":
      return [textEnd, { type: "abort" }]
    case "Incomplete":
      return [textEnd, { type: "finish", finishReason: "other", messageMetadata: { status: "incomplete" } }]
  }
}

/**
 * A followed reply's parts: `start` with the reply's id and `text-start`, the text so far as one
 * `text-delta`, each later growth as another, then how it ended (`finish`, `error` or `abort`). A
 * store that fails while followed ends the stream with an `error` part.
 */
const followedParts = (reply: FollowedReply): Stream.Stream<ReadonlyArray<UiMessagePart>> =>
  Stream.suspend(() => {
    const id = `text-${reply.messageId}`
    let shown = ""
    const partsOf = (snapshot: ReplySnapshot): ReadonlyArray<UiMessagePart> => {
      // Text only grows while a reply is in flight; a shorter one (its row deleted) adds nothing.
      const grown = snapshot.text.length > shown.length && snapshot.text.startsWith(shown)
      const delta: ReadonlyArray<UiMessagePart> = grown
        ? [{ type: "text-delta", id, delta: snapshot.text.slice(shown.length) }]
        : []
      if (grown) shown = snapshot.text
      return Option.match(snapshot.end, {
        onNone: () => delta,
        onSome: (end) => [...delta, ...closing(id, end)]
      })
    }
    const opening: ReadonlyArray<UiMessagePart> = [
      { type: "start", messageId: reply.messageId, messageMetadata: {} },
      { type: "text-start", id }
    ]
    return Stream.concat(
      Stream.succeed(opening),
      reply.snapshots.pipe(
        Stream.map(partsOf),
        Stream.filter((parts) => parts.length > 0),
        Stream.catchAll(() =>
          Stream.succeed<ReadonlyArray<UiMessagePart>>([
            { type: "text-end", id },
            { type: "error", errorText: "The reply can no longer be followed. Reload to see it as stored." }
          ])
        )
      )
    )
  })

/**
 * A followed reply as an event stream (`eventStreamResponse`), framed as `POST /chat/stream` frames a
 * turn. A client that goes away stops the following.
 */
export const followedReplyResponse = (reply: FollowedReply, heartbeats: Heartbeats) =>
  eventStreamResponse(heartbeats, (send) =>
    Stream.runForEach(followedParts(reply), (parts) => send(frames(parts)))
  )
