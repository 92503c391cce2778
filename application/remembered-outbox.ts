import { Effect, Layer, Option } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { unchangedSince } from "./ports/store-changes.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { RecentlyUsed } from "./recently-used.ts"

/** Whether a session's writes wait in the outbox, as this process last learnt, and the outbox's mark then. */
interface Remembered {
  readonly holds: boolean
  readonly mark: Option.Option<number>
}

/**
 * Remembers, for up to `capacity` sessions, whether their writes wait in the outbox, so that a
 * transcript write (which asks, to keep a session's writes in order) need not read the outbox every
 * time. What it remembers is the answer while no other process has written to the outbox since
 * (`byOthers`): this process's own writes go through here, an entry queued marks its session as
 * held, and an entry removed or a session deleted makes the next question go to the outbox. Once
 * another process has written (a `worker` delivering entries, several processes on one file), or
 * where the outbox cannot tell, the outbox is read.
 */
export const layerRememberedOutbox = (capacity: number) =>
  Layer.effect(
    TranscriptOutbox,
    Effect.map(TranscriptOutbox, (outbox) => {
      const sessions = new RecentlyUsed<SessionId, Remembered>(capacity)
      return TranscriptOutbox.of({
        ...outbox,
        holds: (sessionId) =>
          Effect.suspend(() => {
            const mark = outbox.byOthers()
            const known = sessions.recall(sessionId)
            return Option.isSome(known) && unchangedSince(known.value.mark, mark)
              ? Effect.succeed(known.value.holds)
              : Effect.tap(
                  outbox.holds(sessionId),
                  (holds) => void sessions.remember(sessionId, { holds, mark })
                )
          }),
        enqueue: (entry) =>
          Effect.suspend(() => {
            const mark = outbox.byOthers()
            return outbox.enqueue(entry).pipe(
              Effect.tap(() => void sessions.remember(entry.item.sessionId, { holds: true, mark })),
              // Whatever the outbox kept of a write that failed, it is asked next time.
              Effect.tapError(() => Effect.sync(() => sessions.forget(entry.item.sessionId)))
            )
          }),
        remove: (entry) =>
          Effect.ensuring(
            outbox.remove(entry),
            Effect.sync(() => sessions.forget(entry.item.sessionId))
          ),
        deleteSession: (sessionId) =>
          Effect.ensuring(
            outbox.deleteSession(sessionId),
            Effect.sync(() => sessions.forget(sessionId))
          )
      })
    })
  )
