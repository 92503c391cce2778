import { Deferred, Effect, Layer, Option, Stream, SubscriptionRef } from "effect"
import { RepliesInFlight, ReplyEnd, type ReplySnapshot } from "../../application/ports/replies-in-flight.ts"
import type { MessageId, SessionId } from "../../domain/ids.ts"

interface Entry {
  readonly messageId: MessageId
  readonly state: SubscriptionRef.SubscriptionRef<ReplySnapshot>
  readonly stopAsked: Deferred.Deferred<void>
}

/** Nothing changes a reply once it has ended. */
const unlessEnded = (change: (snapshot: ReplySnapshot) => ReplySnapshot) => (snapshot: ReplySnapshot) =>
  Option.isSome(snapshot.end) ? snapshot : change(snapshot)

/** `RepliesInFlight` in process memory: each reply's snapshot in a `SubscriptionRef` its followers subscribe to. */
export const make = Effect.sync(() => {
  const replies = new Map<SessionId, Entry>()
  return RepliesInFlight.of({
    register: (sessionId, messageId) =>
      Effect.gen(function* () {
        const state = yield* SubscriptionRef.make<ReplySnapshot>({ text: "", end: Option.none() })
        const entry: Entry = { messageId, state, stopAsked: yield* Deferred.make<void>() }
        const end = (ended: ReplyEnd) =>
          SubscriptionRef.update(
            state,
            unlessEnded((snapshot) => ({ ...snapshot, end: Option.some(ended) }))
          )
        yield* Effect.acquireRelease(
          Effect.sync(() => replies.set(sessionId, entry)),
          () =>
            Effect.zipRight(
              end(ReplyEnd.CutShort()),
              Effect.sync(() => {
                if (replies.get(sessionId) === entry) replies.delete(sessionId)
              })
            )
        )
        return {
          grow: (delta: string) =>
            SubscriptionRef.update(
              state,
              unlessEnded((snapshot) => ({ ...snapshot, text: snapshot.text + delta }))
            ),
          end,
          stopped: Deferred.await(entry.stopAsked)
        }
      }),
    find: (sessionId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(replies.get(sessionId)), ({ messageId, state }) => ({
          messageId,
          snapshots: state.changes.pipe(Stream.takeUntil((snapshot) => Option.isSome(snapshot.end)))
        }))
      ),
    stop: (sessionId) =>
      Effect.suspend(() => {
        const entry = replies.get(sessionId)
        return entry === undefined
          ? Effect.succeed(false)
          : Effect.as(Deferred.succeed(entry.stopAsked, undefined), true)
      })
  })
})

export const layer = Layer.effect(RepliesInFlight, make)
