import { describe, expect, it } from "@effect/vitest"
import { type Duration, Effect, Exit, Fiber, Metric, Option, TestClock } from "effect"
import { memoryStores } from "../bootstrap/layers.ts"
import { GroupId, type MessageId, SessionId, UserId } from "../domain/ids.ts"
import { readTurn } from "../test/support/read-turn.ts"
import { scriptedApplication } from "../test/support/scripted-application.ts"
import { type Script, ScriptedChatModel } from "../test/support/scripted-chat-model.ts"
import { ChatEvent } from "./chat-turn.ts"
import { classifierContextMessages, storeQuerySecondsBy } from "./metrics.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { StreamChat } from "./stream-chat.ts"

/** The application on memory stores, its chat model scripted, on the test's clock. */
const app = scriptedApplication(memoryStores, {
  CHAT_IDLE_TIMEOUT_MS: "400",
  CHAT_TURN_TIMEOUT_MS: "1000",
  ASSESSMENT_WORKERS: "0",
  PERSIST_RETRY_SECONDS: "3600"
})

const session = SessionId.make("clocked")

/** A turn of the session, its model scripted, in the caller's scope; not read yet. */
const startTurn = (script: Script) =>
  Effect.zipRight(
    Effect.flatMap(ScriptedChatModel, (model) => model.setScript(script)),
    Effect.flatMap(Effect.scope, (scope) =>
      StreamChat(
        {
          userId: UserId.make("clock-user"),
          sessionId: session,
          groupId: Option.some(GroupId.make("clocked-group")),
          prompt: "Tell me something.",
          promptMessageId: Option.none(),
          replaces: Option.none(),
          requestId: "clocked-request"
        },
        scope
      )
    )
  )

/**
 * Runs one turn with the model scripted, the clock moved on by `elapsed` while it is read (its first
 * `read` events, or all), and answers the events the reader got. Then the turn's scope closes, as a
 * request's does when its response ends or its client goes away.
 */
const turnOver = (script: Script, elapsed: Duration.DurationInput, read?: number) =>
  Effect.gen(function* () {
    const turn = yield* startTurn(script)
    const reading = yield* Effect.fork(readTurn(turn, read))
    yield* TestClock.adjust(elapsed)
    return yield* Fiber.join(reading)
  }).pipe(Effect.scoped)

const lastReply = Effect.flatMap(TranscriptStore, (store) =>
  Effect.map(store.lastN(session, 10), (items) => items.at(-1))
)
const modelEnded = Effect.flatMap(ScriptedChatModel, (model) =>
  Effect.map(model.calls, (calls) => Option.getOrNull(calls.at(-1)!.ended))
)
const modelCalls = Effect.flatMap(ScriptedChatModel, (model) =>
  Effect.map(model.calls, (calls) => calls.length)
)
/** The reply as the store has it once its final record has landed: written in the background. */
const finalReply = lastReply.pipe(
  Effect.repeat({ until: (item) => item?.role === "assistant" && item.status !== "in_progress" })
)

describe("StreamChat on the test clock", () => {
  it.effect(
    "a model that sends nothing fails the turn after CHAT_IDLE_TIMEOUT_MS, and its call is aborted",
    () =>
      Effect.gen(function* () {
        const events = yield* turnOver({ deltas: [], silent: true }, "400 millis")
        expect(events).toEqual([
          ChatEvent.Failed({ reason: "timeout", message: expect.stringContaining("no text from the model") })
        ])
        expect(yield* modelEnded).toBe("interrupted")
        expect(yield* lastReply).toMatchObject({ role: "assistant", text: "", status: "incomplete" })
      }).pipe(Effect.provide(app))
  )

  it.effect("each text starts the idle timeout again: a reply slower in all than the timeout completes", () =>
    Effect.gen(function* () {
      // A word every 300 ms, 900 ms in all: past CHAT_IDLE_TIMEOUT_MS, never that long without text.
      const events = yield* turnOver({ deltas: ["One ", "two ", "three."], delayMs: 300 }, "900 millis")
      expect(events.map((event) => event._tag)).toEqual(["Delta", "Delta", "Delta", "Finished"])
      expect(yield* modelEnded).toBe("completed")
      expect(yield* lastReply).toMatchObject({ text: "One two three.", status: "completed" })
    }).pipe(Effect.provide(app))
  )

  it.effect("a reply still coming after CHAT_TURN_TIMEOUT_MS fails the turn with the text so far", () =>
    Effect.gen(function* () {
      // A word every 300 ms for 3 s: never idle, but the turn's 1 s runs out after the third.
      const words = Array.from({ length: 10 }, (_, i) => `w${i} `)
      const events = yield* turnOver({ deltas: words, delayMs: 300 }, "1 second")
      expect(events).toEqual([
        ChatEvent.Delta({ text: "w0 " }),
        ChatEvent.Delta({ text: "w1 " }),
        ChatEvent.Delta({ text: "w2 " }),
        ChatEvent.Failed({ reason: "timeout", message: expect.stringContaining("no complete reply in") })
      ])
      expect(yield* modelEnded).toBe("interrupted")
      expect(yield* lastReply).toMatchObject({ text: "w0 w1 w2 ", status: "incomplete" })
    }).pipe(Effect.provide(app))
  )

  it.effect(
    "a client gone mid-reply aborts the model call and leaves the reply incomplete with its text so far",
    () =>
      Effect.gen(function* () {
        const events = yield* turnOver(
          { deltas: ["w0 ", "w1 ", "w2 ", "w3 "], delayMs: 100 },
          "200 millis",
          2
        )
        expect(events).toEqual([ChatEvent.Delta({ text: "w0 " }), ChatEvent.Delta({ text: "w1 " })])
        expect(yield* modelEnded).toBe("interrupted")
        // Recorded in the background once the turn was cut short.
        const reply = yield* lastReply.pipe(Effect.repeat({ until: (item) => item?.status === "incomplete" }))
        expect(reply).toMatchObject({ text: "w0 w1 ", status: "incomplete" })
      }).pipe(Effect.provide(app))
  )
})

describe("a turn's reader and its stop", () => {
  it.effect(
    "a turn stopped before it is read calls no model and keeps its reply incomplete, with no text",
    () =>
      Effect.gen(function* () {
        const turn = yield* startTurn({ deltas: ["w0 "], delayMs: 100 })
        yield* turn.stop
        expect(yield* readTurn(turn)).toEqual([])
        expect(yield* modelCalls).toBe(0)
        expect(yield* finalReply).toMatchObject({ text: "", status: "incomplete" })
      }).pipe(Effect.scoped, Effect.provide(app))
  )

  it.effect("a stop asked from the reader's own callback stops the model, and the reading returns", () =>
    Effect.gen(function* () {
      const turn = yield* startTurn({ deltas: ["w0 ", "w1 ", "w2 "], delayMs: 100 })
      const events: Array<ChatEvent> = []
      const reading = yield* Effect.fork(
        turn.readEach((batch) =>
          Effect.suspend(() => {
            events.push(...batch)
            return turn.stop
          })
        )
      )
      yield* TestClock.adjust("1 second")
      expect(Exit.isSuccess(yield* Fiber.await(reading))).toBe(true)
      expect(events).toEqual([ChatEvent.Delta({ text: "w0 " })])
      expect(yield* modelEnded).toBe("interrupted")
      expect(yield* finalReply).toMatchObject({ text: "w0 ", status: "incomplete" })
    }).pipe(Effect.scoped, Effect.provide(app))
  )

  it.effect(
    "a second reader gets no events and returns once the turn has ended; the model is called once",
    () =>
      Effect.gen(function* () {
        const turn = yield* startTurn({ deltas: ["w0 ", "w1 "], delayMs: 100 })
        const first = yield* Effect.fork(readTurn(turn))
        const second = yield* Effect.fork(readTurn(turn))
        yield* TestClock.adjust("1 second")
        expect(yield* Fiber.join(second)).toEqual([])
        expect((yield* Fiber.join(first)).map((event) => event._tag)).toEqual(["Delta", "Delta", "Finished"])
        expect(yield* modelCalls).toBe(1)
        expect(yield* finalReply).toMatchObject({ text: "w0 w1 ", status: "completed" })
      }).pipe(Effect.scoped, Effect.provide(app))
  )
})

describe("a turn's prompt classification", () => {
  const readsOf = (op: string) => Effect.map(Metric.value(storeQuerySecondsBy(op)), (state) => state.count)
  const classified = (messageId: MessageId) =>
    Effect.flatMap(InteractionStore, (store) => store.classificationOf(session, messageId)).pipe(
      Effect.repeat({ until: Option.isSome }),
      Effect.orDie
    )

  it.effect(
    "chooses its window from what the turn's window read: the session's last messages are read once",
    () =>
      Effect.gen(function* () {
        // Earlier turns: the session has more messages than the classifier's window.
        for (let turn = 0; turn < 6; turn++) yield* turnOver({ deltas: ["Earlier reply."] }, "1 second")
        const before = yield* readsOf("last_n")
        const windowsBefore = (yield* Metric.value(classifierContextMessages)).sum
        const turn = yield* startTurn({ deltas: ["Fine."] })
        expect((yield* readTurn(turn)).map((event) => event._tag)).toEqual(["Delta", "Finished"])
        yield* classified(turn.userMessageId)
        expect((yield* readsOf("last_n")) - before).toBe(1)
        // Its window is the classifier's: the last CLASSIFIER_CONTEXT_LIMIT (10) messages, ending with the prompt.
        expect((yield* Metric.value(classifierContextMessages)).sum - windowsBefore).toBe(10)
      }).pipe(Effect.scoped, Effect.provide(app))
  )
})
