import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Option, TestClock } from "effect"
import * as MemoryStores from "../adapters/memory/stores.ts"
import { MessageId, SessionId } from "../domain/ids.ts"
import { classificationOnly, newItem } from "../test/support/items.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { SweepRetention } from "./sweep-retention.ts"

const session = SessionId.make("session-1")

/** Ingests a message with `ts` at the current time, and classifies it. */
const received = (messageId: string, ts: number, expectedVersion: number) =>
  Effect.gen(function* () {
    const at = yield* TestClock.currentTimeMillis
    yield* (yield* TranscriptStore).append(newItem({ messageId, ts }))
    yield* (yield* InteractionStore).commit(classificationOnly(session, messageId, at, expectedVersion))
  })

describe("SweepRetention", () => {
  it.effect(
    "deletes messages and their classifications received before the retention, whatever their ts",
    () =>
      Effect.gen(function* () {
        yield* received("old-future-ts", 8_640_000_000_000_000, 0)
        yield* TestClock.adjust(Duration.days(20))
        yield* received("recent-zero-ts", 0, 1)
        yield* TestClock.adjust(Duration.days(15))

        expect(yield* SweepRetention(Duration.days(30))).toBe(1)

        const transcripts = yield* TranscriptStore
        const interactions = yield* InteractionStore
        expect((yield* transcripts.lastN(session, 10)).map((item) => item.messageId)).toEqual([
          "recent-zero-ts"
        ])
        expect(yield* interactions.classificationOf(session, MessageId.make("old-future-ts"))).toEqual(
          Option.none()
        )
        expect(
          Option.isSome(yield* interactions.classificationOf(session, MessageId.make("recent-zero-ts")))
        ).toBe(true)
      }).pipe(Effect.provide(MemoryStores.layer))
  )
})
