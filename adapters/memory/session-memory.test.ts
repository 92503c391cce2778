import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { SessionMemory } from "../../application/ports/session-memory.ts"
import { SessionId } from "../../domain/ids.ts"
import { newItem } from "../../test/support/items.ts"
import * as SessionMemoryAdapter from "./session-memory.ts"

const bounded = SessionMemoryAdapter.layer({ maxItemsPerSession: 3, maxSessions: 2, idleTtlMillis: 60_000 })
const texts = (sessionId: string) =>
  Effect.flatMap(SessionMemory, (memory) => memory.lastN(SessionId.make(sessionId), 10)).pipe(
    Effect.map((items) => items.map((item) => item.text))
  )

describe("bounded session memory", () => {
  it.effect("keeps the most recent messages of a session, by transcript order", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      for (const [i, ts] of [
        [1, 10],
        [2, 20],
        [3, 5],
        [4, 30],
        [5, 40]
      ] as const) {
        yield* memory.append(newItem({ messageId: `m${i}`, text: `t${i}`, ts }))
      }
      expect(yield* texts("session-1")).toEqual(["t2", "t4", "t5"])
    }).pipe(Effect.provide(bounded))
  )

  it.effect("forgets the least recently used session past the session cap", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      yield* memory.append(newItem({ messageId: "a", sessionId: "s-a" }))
      yield* memory.append(newItem({ messageId: "b", sessionId: "s-b" }))
      yield* memory.lastN(SessionId.make("s-a"), 1)
      yield* memory.append(newItem({ messageId: "c", sessionId: "s-c" }))
      expect(yield* memory.sessionCount).toBe(2)
      expect(yield* texts("s-b")).toEqual([])
      expect(yield* texts("s-a")).toEqual(["text of a"])
    }).pipe(Effect.provide(bounded))
  )

  it.effect("forgets a session idle past the TTL", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      yield* memory.append(newItem({ messageId: "old", sessionId: "s-idle" }))
      yield* TestClock.adjust("59 seconds")
      expect(yield* texts("s-idle")).toEqual(["text of old"])
      yield* TestClock.adjust("61 seconds")
      expect(yield* texts("s-idle")).toEqual([])
      expect(yield* memory.sessionCount).toBe(0)
    }).pipe(Effect.provide(bounded))
  )

  it.effect("applies the idempotency rules of a store", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      yield* memory.append(newItem({ messageId: "x", text: "one" }))
      expect((yield* memory.append(newItem({ messageId: "x", text: "one" })))._tag).toBe("Duplicate")
      expect((yield* memory.append(newItem({ messageId: "x", text: "two" })))._tag).toBe("Conflict")
    }).pipe(Effect.provide(bounded))
  )
})
