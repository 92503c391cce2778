import { Clock, type Duration, Effect, Layer, Option, Schedule, Stream } from "effect"
import type { SessionId } from "../domain/ids.ts"
import type { ChatEvent } from "./chat-turn.ts"
import { duration } from "./config-values.ts"
import { RepliesInFlight, ReplyEnd, type ReplyFeed, type ReplySnapshot } from "./ports/replies-in-flight.ts"
import { StoredReplyWatch } from "./ports/stored-reply-watch.ts"
import { type StoredReply, TranscriptStore } from "./ports/transcript-store.ts"
import { ReplySettings } from "./reply-recorder.ts"
import { spanWhenTraced } from "./traced.ts"

/** Reports a chunk of a turn's events to its followers in this process: its pieces of text, then its end. */
export const feedFollowers =
  (feed: ReplyFeed) =>
  (events: Iterable<ChatEvent>): Effect.Effect<void> => {
    const deltas: Array<string> = []
    let end: Option.Option<ReplyEnd> = Option.none()
    for (const event of events) {
      switch (event._tag) {
        case "Delta":
          deltas.push(event.text)
          break
        case "Finished":
          end = Option.some(ReplyEnd.Finished({ reason: event.reason, usage: event.usage }))
          break
        case "Failed":
          end = Option.some(ReplyEnd.Failed({ reason: event.reason, message: event.message }))
      }
    }
    const grown = deltas.length === 0 ? Effect.void : feed.grow(deltas)
    return Option.isSome(end) ? Effect.zipRight(grown, feed.end(end.value)) : grown
  }

/** How a stored reply ended by `now`, if it has: a reply in progress whose writer's lease lapsed has. */
const endOf = ({ item, leaseUntil }: StoredReply, now: number): Option.Option<ReplyEnd> => {
  switch (item.status) {
    case "in_progress":
      return Option.isSome(leaseUntil) && leaseUntil.value < now
        ? Option.some(ReplyEnd.Incomplete())
        : Option.none()
    case "incomplete":
      return Option.some(ReplyEnd.Incomplete())
    default:
      return Option.some(ReplyEnd.Finished({ reason: "stop", usage: Option.none() }))
  }
}

/**
 * The session's reply in flight, to follow from where it is to its end: from this process's memory
 * when this process streams it, else from the store (its text as last saved, followed as it is saved
 * again; a lapsed lease ends it `incomplete` even when nothing changes). None when no reply of the
 * session is in flight.
 */
export const FollowReply = Effect.fnUntraced(function* (sessionId: SessionId) {
  const here = yield* Effect.flatMap(RepliesInFlight, (replies) => replies.find(sessionId))
  if (Option.isSome(here)) return here
  const latest = yield* Effect.flatMap(TranscriptStore, (store) => store.latestReply(sessionId))
  const now = yield* Clock.currentTimeMillis
  if (
    Option.isNone(latest) ||
    latest.value.item.status !== "in_progress" ||
    Option.isSome(endOf(latest.value, now))
  )
    return Option.none()
  const { saveInterval } = yield* ReplySettings
  const { watch } = yield* StoredReplyWatch
  const { messageId } = latest.value.item
  // Looked at again every save interval, so that a lease lapses for a follower whose store is silent.
  const snapshots = Stream.zipLatestWith(
    watch(sessionId, messageId),
    Stream.tick(saveInterval),
    (row) => row
  ).pipe(
    Stream.mapEffect((row) =>
      Effect.map(Clock.currentTimeMillis, (at): ReplySnapshot =>
        Option.match(row, {
          // Deleted with its session: nothing more to show.
          onNone: () => ({ text: "", end: Option.some(ReplyEnd.CutShort()) }),
          onSome: (stored) => ({ text: stored.item.text, end: endOf(stored, at) })
        })
      )
    ),
    Stream.takeUntil((snapshot) => Option.isSome(snapshot.end))
  )
  return Option.some({ messageId, snapshots })
}, spanWhenTraced("FollowReply"))

/** Stops the session's reply in flight in this process; answers whether there was one. */
export const StopReply = Effect.fnUntraced(function* (sessionId: SessionId) {
  return yield* Effect.flatMap(RepliesInFlight, (replies) => replies.stop(sessionId))
}, spanWhenTraced("StopReply"))

/** What `layerPolledReplies` reads. */
export const config = duration("REPLY_FOLLOW_POLL_MS", 250)

/** Watches a stored reply by reading it every `interval`: for stores that cannot tell of a change (SQLite, memory). */
export const layerPolledReplies = (interval: Duration.DurationInput) =>
  Layer.effect(
    StoredReplyWatch,
    Effect.map(TranscriptStore, (store) =>
      StoredReplyWatch.of({
        watch: (sessionId, messageId) =>
          Stream.repeatEffectWithSchedule(store.reply(sessionId, messageId), Schedule.spaced(interval))
      })
    )
  )

/** A stored reply read every `REPLY_FOLLOW_POLL_MS` (250). */
export const layerPolledRepliesConfig = Layer.unwrapEffect(Effect.map(config, layerPolledReplies))
