import { Effect, Exit, Fiber, Option, Scope } from "effect"
import { BackgroundWork } from "./background-work.ts"
import { ChatEvent } from "./chat-turn.ts"
import { RepliesInFlight, type ReplySnapshot } from "./ports/replies-in-flight.ts"
import { type ChatCommand, type ChatTurn, StreamChat } from "./stream-chat.ts"

/**
 * A followed reply's snapshots as a turn's events, batch by batch: the growth of its text, then how
 * it finished or failed.
 */
const eventsOfSnapshots = () => {
  let shown = 0
  return (snapshots: ReadonlyArray<ReplySnapshot>): ReadonlyArray<ChatEvent> => {
    const events: Array<ChatEvent> = []
    for (const snapshot of snapshots) {
      if (snapshot.text.length > shown) events.push(ChatEvent.Delta({ text: snapshot.text.slice(shown) }))
      shown = Math.max(shown, snapshot.text.length)
      if (Option.isSome(snapshot.end)) {
        const end = snapshot.end.value
        if (end._tag === "Finished") events.push(ChatEvent.Finished({ reason: end.reason, usage: end.usage }))
        if (end._tag === "Failed") events.push(ChatEvent.Failed({ reason: end.reason, message: end.message }))
      }
    }
    return events
  }
}

/**
 * A coaching turn that runs to its end apart from the request that started it: a client that goes
 * away (a reload, a closed tab) does not cut the reply short, and a reload follows it again through
 * `GET /chat/{sessionId}/stream`. The turn is read in the background, by the fiber that calls the
 * model, and feeds the replies in flight; its own client follows it there like any follower. It stops
 * before its end only when asked (`RepliesInFlight.stop`), at its deadlines (CHAT_TURN_TIMEOUT_MS, CHAT_IDLE_TIMEOUT_MS),
 * or when the process shuts down. `slot` is acquired into the turn's own scope before the turn
 * starts and released when the turn ends, not when its client goes: a client that leaves at once
 * still counts against the caller's limits for as long as its reply runs. `whileRunning` is given
 * the turn's own stop once it starts, and held in the same scope (the shutdown's drain holds it).
 */
export const StreamResumableChat = Effect.fnUntraced(function* <E>(
  command: ChatCommand,
  slot: (scope: Scope.Scope) => Effect.Effect<void, E>,
  whileRunning: (stop: Effect.Effect<void>, scope: Scope.Scope) => Effect.Effect<void>
) {
  const turnScope = yield* Scope.make()
  // Until the relay owns the turn's scope, a failure or an interruption at any step closes it: what
  // the turn holds (its slot, its place in the shutdown's drain) is given back.
  const { turn, followed, relay } = yield* Effect.gen(function* () {
    yield* slot(turnScope)
    const turn = yield* StreamChat(command, turnScope)
    yield* whileRunning(turn.stop, turnScope)
    const followed = yield* Effect.flatMap(RepliesInFlight, (replies) => replies.find(command.sessionId))
    const background = yield* BackgroundWork
    const relay = yield* background.fork(
      Effect.ensuring(
        turn.readEach(() => Effect.void),
        Scope.close(turnScope, Exit.void)
      )
    )
    return { turn, followed, relay }
  }).pipe(Effect.onError(() => Scope.close(turnScope, Exit.void)))
  return {
    ...turn,
    // The client's reading ends once the turn has closed: its spans ended, its rows written.
    readEach: (read) =>
      Effect.zipRight(
        Option.match(followed, {
          onNone: () => Effect.void,
          onSome: (inFlight) => {
            const eventsOf = eventsOfSnapshots()
            return inFlight.readEach((snapshots) => {
              const events = eventsOf(snapshots)
              return events.length === 0 ? Effect.void : read(events)
            })
          }
        }),
        Fiber.await(relay)
      )
  } satisfies ChatTurn
})
