import { Deferred, Effect, Fiber } from "effect"
import type { ChatEvent } from "../../application/chat-turn.ts"
import type { ChatTurn } from "../../application/stream-chat.ts"

/**
 * Reads a turn as a client does, through `readEach`: all its events, or its first `count` and then
 * goes away (the reading fiber interrupted, as a client's is when it disconnects).
 */
export const readTurn = (turn: ChatTurn, count?: number) =>
  Effect.gen(function* () {
    const events: Array<ChatEvent> = []
    const enough = yield* Deferred.make<void>()
    const reading = yield* Effect.fork(
      turn.readEach((batch) =>
        Effect.suspend(() => {
          events.push(...batch.slice(0, count === undefined ? undefined : count - events.length))
          return count !== undefined && events.length >= count
            ? Deferred.succeed(enough, undefined)
            : Effect.void
        })
      )
    )
    yield* Effect.raceFirst(Fiber.join(reading), Deferred.await(enough))
    yield* Fiber.interrupt(reading)
    return events
  })
