import { Effect, Layer, Option } from "effect"
import type { SessionId } from "../domain/ids.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { RememberedAnswers } from "./remembered-answers.ts"

/**
 * Remembers, for up to `capacity` sessions, whether their writes wait in the outbox, so that a
 * transcript write (which asks, to keep a session's writes in order) need not read the outbox every
 * time. What it remembers is the answer while no other process has written to the outbox since
 * (`byOthers`), as `RememberedAnswers` keeps it: this process's own writes go through here, an entry
 * queued marks its session as held, an entry removed (delivered) or a session deleted makes the next
 * question go to the outbox, and a question that raced one of them is not remembered. Once another
 * process has written (a `worker` delivering entries, several processes on one file), or where the
 * outbox cannot tell, the outbox is read.
 */
export const layerRememberedOutbox = (capacity: number) =>
  Layer.effect(
    TranscriptOutbox,
    Effect.map(TranscriptOutbox, (outbox) => {
      const held = new RememberedAnswers<SessionId, boolean>(capacity, outbox.byOthers)
      return TranscriptOutbox.of({
        ...outbox,
        holds: (sessionId) => held.answer(sessionId, outbox.holds(sessionId)),
        enqueue: (entry) => held.write(entry.item.sessionId, outbox.enqueue(entry), () => Option.some(true)),
        // The session may hold other entries: the next question goes to the outbox.
        remove: (entry) => held.write(entry.item.sessionId, outbox.remove(entry), () => Option.none()),
        deleteSession: (sessionId) =>
          held.write(sessionId, outbox.deleteSession(sessionId), () => Option.none())
      })
    })
  )
