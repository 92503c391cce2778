import { describe, expect, it } from "@effect/vitest"
import { Effect, Metric, TestClock } from "effect"
import { sessionMemoryBytes, sessionMemoryEvictionsTotal } from "../../application/metrics.ts"
import { SessionMemory } from "../../application/ports/session-memory.ts"
import { SessionId } from "../../domain/ids.ts"
import { newItem } from "../../test/support/items.ts"
import * as SessionMemoryAdapter from "./session-memory.ts"

const bounded = SessionMemoryAdapter.layer({
  maxItemsPerSession: 3,
  maxSessions: 2,
  idleTtlMillis: 60_000,
  maxBytes: Number.POSITIVE_INFINITY
})
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

const evictionCount = (reason: "bytes" | "count" | "idle") =>
  Effect.map(
    Metric.value(Metric.tagged(sessionMemoryEvictionsTotal, "reason", reason)),
    (state) => state.count as number
  )
const bytesGauge = Effect.map(Metric.value(sessionMemoryBytes), (state) => state.value)

/** Sessions of one 10,000-character message each hold a little over 20 KB (text and content hash). */
const budgeted = (maxBytes: number) =>
  SessionMemoryAdapter.layer({ maxItemsPerSession: 200, maxSessions: 100, idleTtlMillis: 60_000, maxBytes })
const large = (sessionId: string, char = "a") =>
  newItem({ messageId: `${sessionId}-1`, sessionId, text: char.repeat(10_000) })

describe("session memory byte budget", () => {
  it.effect("counts the characters it holds, two bytes each for text beyond Latin-1", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      yield* memory.append(large("latin"))
      const oneByte = yield* bytesGauge
      expect(oneByte).toBeGreaterThan(20_000)
      expect(oneByte).toBeLessThan(22_000)
      yield* memory.append(large("wide", "é"))
      expect((yield* bytesGauge) - oneByte).toBeGreaterThan(20_000)
      yield* memory.append(large("greek", "λ"))
      expect((yield* bytesGauge) - oneByte).toBeGreaterThan(60_000)
    }).pipe(Effect.provide(budgeted(Number.POSITIVE_INFINITY)))
  )

  it.effect("forgets whole least recently used sessions past the budget, and counts them", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      const before = yield* evictionCount("bytes")
      yield* memory.append(large("s-1"))
      yield* memory.append(large("s-2"))
      yield* memory.lastN(SessionId.make("s-1"), 10)
      yield* memory.append(large("s-3"))
      expect(yield* memory.sessionCount).toBe(2)
      expect(yield* texts("s-2")).toEqual([])
      expect((yield* texts("s-1")).length).toBe(1)
      expect((yield* texts("s-3")).length).toBe(1)
      expect(yield* bytesGauge).toBeLessThanOrEqual(50_000)
      expect((yield* evictionCount("bytes")) - before).toBe(1)
    }).pipe(Effect.provide(budgeted(50_000)))
  )

  it.effect("never forgets the session it is writing, even when that one alone is over the budget", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      yield* memory.append(large("small-budget"))
      yield* memory.append(
        newItem({ messageId: "second", sessionId: "small-budget", text: "b".repeat(10_000) })
      )
      expect((yield* texts("small-budget")).length).toBe(2)
      yield* memory.append(large("next"))
      expect(yield* texts("small-budget")).toEqual([])
      expect(yield* memory.sessionCount).toBe(1)
    }).pipe(Effect.provide(budgeted(10_000)))
  )

  it.effect("gives back the bytes of deleted, trimmed and idle sessions", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      const idleBefore = yield* evictionCount("idle")
      yield* memory.append(large("deleted"))
      yield* memory.deleteSession(SessionId.make("deleted"))
      expect(yield* bytesGauge).toBe(0)
      for (let i = 0; i < 250; i++)
        yield* memory.append(
          newItem({ messageId: `m${i}`, sessionId: "long", text: "c".repeat(1_000), ts: i })
        )
      const trimmed = yield* bytesGauge
      expect(trimmed).toBeGreaterThan(200 * 2_000)
      expect(trimmed).toBeLessThan(200 * 2_000 + 200 * 1_000)
      yield* TestClock.adjust("61 seconds")
      expect(yield* memory.sessionCount).toBe(0)
      expect(yield* bytesGauge).toBe(0)
      expect((yield* evictionCount("idle")) - idleBefore).toBe(1)
    }).pipe(Effect.provide(budgeted(Number.POSITIVE_INFINITY)))
  )

  it.effect("counts sessions pushed out by the session cap as count evictions", () =>
    Effect.gen(function* () {
      const memory = yield* SessionMemory
      const before = yield* evictionCount("count")
      for (const id of ["c-1", "c-2", "c-3", "c-4"])
        yield* memory.append(newItem({ messageId: id, sessionId: id }))
      expect((yield* evictionCount("count")) - before).toBe(2)
    }).pipe(Effect.provide(bounded))
  )
})
