import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Fiber, Layer, Metric, Option, TestClock } from "effect"
import { SessionId, UserId } from "../domain/ids.ts"
import * as FaultyStores from "../test/support/faulty-stores.ts"
import { StoreFaults } from "../test/support/faulty-stores.ts"
import { readTurn } from "../test/support/read-turn.ts"
import { scriptedApplication } from "../test/support/scripted-application.ts"
import { ScriptedChatModel } from "../test/support/scripted-chat-model.ts"
import { replySavesTotal } from "./metrics.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { StreamChat } from "./stream-chat.ts"

/** The application on memory stores behind a fault switch, its chat model scripted, on the test's clock. */
const app = Layer.merge(
  scriptedApplication(FaultyStores.layer, {
    REPLY_SAVE_INTERVAL_MS: "1000",
    CHAT_IDLE_TIMEOUT_MS: "5000",
    CHAT_TURN_TIMEOUT_MS: "60000",
    ASSESSMENT_WORKERS: "0",
    PERSIST_RETRY_SECONDS: "3600"
  }),
  FaultyStores.layer
)

const session = SessionId.make("saved-as-it-grows")

/** Twelve words, one every 300 ms: the first at 300 ms, the last at 3.6 s. */
const words = Array.from({ length: 12 }, (_, i) => `w${i} `)
const wordsBy = (millis: number) => words.slice(0, Math.floor(millis / 300)).join("")

/** Starts a turn whose events are read as they come, in a fiber; the clock does not move by itself. */
const startTurn = Effect.gen(function* () {
  yield* Effect.flatMap(ScriptedChatModel, (model) => model.setScript({ deltas: words, delayMs: 300 }))
  const turn = yield* StreamChat(
    {
      userId: UserId.make("saver"),
      sessionId: session,
      groupId: Option.none(),
      prompt: "Tell me something long.",
      promptMessageId: Option.none(),
      replaces: Option.none(),
      requestId: "saver-request"
    },
    yield* Effect.scope
  )
  return yield* Effect.fork(readTurn(turn))
})

/** The reply as the store has it now: [text, status]. */
const storedReply = Effect.flatMap(StoreFaults, (faults) =>
  Effect.map(faults.transcripts.lastN(session, 10), (items) => {
    const reply = items.find((item) => item.role === "assistant")
    return reply === undefined ? undefined : [reply.text, reply.status]
  })
)

/** Moves the clock on to `at` (ms since the turn began), in steps that let the turn's fibers run. */
const advanceTo = (at: number) =>
  Effect.gen(function* () {
    const now = yield* TestClock.currentTimeMillis
    for (let t = now + 100; t <= at; t += 100) yield* TestClock.setTime(t)
    yield* TestClock.setTime(at)
  })

const savesCounted = (outcome: string) =>
  Effect.map(Metric.value(Metric.tagged(replySavesTotal, "outcome", outcome)), (state) => state.count)

const readToTheEnd = (reading: Fiber.Fiber<ReadonlyArray<unknown>>, until: Duration.DurationInput) =>
  Effect.zipRight(
    TestClock.adjust(until),
    Effect.map(Fiber.join(reading), (events) => events.length)
  )

describe("a streaming reply's text, saved as it grows", () => {
  it.effect(
    "is saved every REPLY_SAVE_INTERVAL_MS from the first text on, then replaced by the final record",
    () =>
      Effect.gen(function* () {
        const reading = yield* startTurn
        // The in-progress row is written, with no text, once the first word is out and the reader asks
        // for the next (600 ms); the saves follow every second.
        yield* advanceTo(1_599)
        expect(yield* storedReply).toEqual(["", "in_progress"])
        yield* advanceTo(1_600)
        expect(yield* storedReply).toEqual([wordsBy(1_600), "in_progress"])
        yield* advanceTo(2_599)
        expect(yield* storedReply).toEqual([wordsBy(1_600), "in_progress"])
        yield* advanceTo(2_600)
        expect(yield* storedReply).toEqual([wordsBy(2_600), "in_progress"])
        expect(yield* readToTheEnd(reading, "1 second")).toBe(words.length + 1)
        expect(yield* storedReply).toEqual([words.join(""), "completed"])
      }).pipe(Effect.scoped, Effect.provide(app))
  )

  it.effect("a save that fails is counted and the turn goes on to its end", () =>
    Effect.gen(function* () {
      yield* Effect.flatMap(StoreFaults, (faults) => faults.set("down", "reply-saves"))
      const failedBefore = yield* savesCounted("failed")
      const reading = yield* startTurn
      yield* advanceTo(3_300)
      expect(yield* storedReply).toEqual(["", "in_progress"])
      expect((yield* savesCounted("failed")) - failedBefore).toBe(2)
      expect(yield* readToTheEnd(reading, "1 second")).toBe(words.length + 1)
      expect(yield* storedReply).toEqual([words.join(""), "completed"])
    }).pipe(Effect.scoped, Effect.provide(app))
  )

  it.effect("stops saving as soon as the session is opted out", () =>
    Effect.gen(function* () {
      const reading = yield* startTurn
      yield* advanceTo(1_600)
      expect(yield* storedReply).toEqual([wordsBy(1_600), "in_progress"])
      yield* Effect.flatMap(PrivacySettingsStore, (privacy) => privacy.setSession(session, true))
      yield* advanceTo(3_300)
      expect(yield* storedReply).toEqual([wordsBy(1_600), "in_progress"])
      expect(yield* readToTheEnd(reading, "1 second")).toBe(words.length + 1)
    }).pipe(Effect.scoped, Effect.provide(app))
  )
})
