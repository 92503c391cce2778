import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Option } from "effect"
import * as MemoryOutbox from "../adapters/memory/transcript-outbox.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { newItem } from "../test/support/items.ts"
import { TranscriptOutbox } from "./ports/transcript-outbox.ts"
import { layerRememberedOutbox } from "./remembered-outbox.ts"

/**
 * A memory outbox that counts the `holds` questions reaching it, its mark as the test says; `slow`
 * answers let other fibers run between reading the outbox and answering.
 */
const counted = (outbox: { asked: number; mark: Option.Option<number>; slow?: boolean }) =>
  Layer.effect(
    TranscriptOutbox,
    Effect.map(MemoryOutbox.make({ capacity: 10 }), (memory) =>
      TranscriptOutbox.of({
        ...memory,
        holds: (sessionId) =>
          Effect.suspend(() => {
            outbox.asked += 1
            return outbox.slow === true
              ? Effect.zipLeft(memory.holds(sessionId), Effect.yieldNow())
              : memory.holds(sessionId)
          }),
        byOthers: () => outbox.mark
      })
    )
  )

const session = SessionId.make("session-1")
const entry = {
  item: newItem({ messageId: "m1" }),
  userId: UserId.make("user-1"),
  write: "append" as const,
  queuedAt: 1
}

describe("remembered outbox", () => {
  it.effect("answers whether a session's writes wait from memory while no other process has written", () => {
    const outbox = { asked: 0, mark: Option.some(1) }
    return Effect.gen(function* () {
      const remembered = yield* TranscriptOutbox
      expect(yield* remembered.holds(session)).toBe(false)
      expect(yield* remembered.holds(session)).toBe(false)
      expect(outbox.asked).toBe(1)
      // Queued here: held, without asking.
      yield* remembered.enqueue(entry)
      expect(yield* remembered.holds(session)).toBe(true)
      expect(outbox.asked).toBe(1)
      // Delivered: asked again.
      const [waiting] = yield* remembered.oldest(1)
      yield* remembered.remove(waiting!)
      expect(yield* remembered.holds(session)).toBe(false)
      expect(outbox.asked).toBe(2)
    }).pipe(Effect.provide(layerRememberedOutbox(10).pipe(Layer.provide(counted(outbox)))))
  })

  it.effect("asks the outbox again once another process has written to it, or when it cannot tell", () => {
    const outbox = { asked: 0, mark: Option.some(1) }
    return Effect.gen(function* () {
      const remembered = yield* TranscriptOutbox
      expect(yield* remembered.holds(session)).toBe(false)
      outbox.mark = Option.some(2)
      expect(yield* remembered.holds(session)).toBe(false)
      outbox.mark = Option.none()
      expect(yield* remembered.holds(session)).toBe(false)
      expect(yield* remembered.holds(session)).toBe(false)
      expect(outbox.asked).toBe(4)
    }).pipe(Effect.provide(layerRememberedOutbox(10).pipe(Layer.provide(counted(outbox)))))
  })

  it.effect(
    "does not remember a question that a queued write overtook: the session is held after both",
    () => {
      const outbox = { asked: 0, mark: Option.some(1), slow: true }
      return Effect.gen(function* () {
        const remembered = yield* TranscriptOutbox
        // The question finds nothing waiting, and waits to answer while a write of the session is queued.
        const asking = yield* Effect.fork(remembered.holds(session))
        yield* Effect.yieldNow()
        yield* remembered.enqueue(entry)
        expect(yield* Fiber.join(asking)).toBe(false)
        expect(yield* remembered.holds(session)).toBe(true)
      }).pipe(Effect.provide(layerRememberedOutbox(10).pipe(Layer.provide(counted(outbox)))))
    }
  )
})
