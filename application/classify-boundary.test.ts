import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Fiber, Layer, Metric, Option, Schedule, TestClock } from "effect"
import { application, memoryStores } from "../bootstrap/layers.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { ingestAndClassify } from "../test/support/ingest.ts"
import { userMessage } from "../test/support/items.ts"
import { SweepIdleInteractions } from "./sweep-idle-interactions.ts"
import { BackgroundWork } from "./background-work.ts"
import { ClassifyBoundary, classifyCommandOf } from "./classify-boundary.ts"
import { IngestMessage } from "./ingest-message.ts"
import { classificationOrderWaitsTotal } from "./metrics.ts"
import { BoundaryClassifier } from "./ports/boundary-classifier.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { withSessionPersistence } from "./session-persistence.ts"

const app = application(memoryStores).pipe(
  Layer.provide(
    Layer.setConfigProvider(
      ConfigProvider.fromMap(
        new Map([
          ["INTERACTION_IDLE_MINUTES", "30"],
          // Fewer outbox delivery rounds for the TestClock to step through.
          ["PERSIST_RETRY_SECONDS", "3600"],
          // No assessment workers polling through the TestClock's minutes: these tests are about groups.
          ["ASSESSMENT_WORKERS", "0"]
        ])
      )
    )
  )
)
const session = SessionId.make("idle-session")
const say = (id: string, text: string) => ingestAndClassify(userMessage(session, id, text))

describe("idle interactions", () => {
  it.effect(
    "an open practice idle past INTERACTION_IDLE_MINUTES is closed by the minutely sweep, due for assessment",
    () =>
      Effect.gen(function* () {
        const opened = yield* say("i-1", "Can we role play my salary talk?")
        expect(Option.map(opened.classification, (c) => c.applied)).toEqual(Option.some("start"))
        const store = yield* InteractionStore
        yield* TestClock.adjust("29 minutes")
        expect(yield* SweepIdleInteractions()).toBe(0)
        expect((yield* store.groups(session))[0]).toMatchObject({ status: "open" })
        yield* TestClock.adjust("2 minutes")
        expect(yield* store.groups(session)).toEqual([
          expect.objectContaining({
            status: "closed",
            closeReason: Option.some("idle"),
            assessmentRequested: true
          })
        ])
        expect(Option.isNone((yield* store.interaction(session)).state.open)).toBe(true)
      }).pipe(Effect.provide(app))
  )

  it.effect(
    "a message arriving after the timeout finds the stale group closed, and is judged as outside it",
    () =>
      Effect.gen(function* () {
        yield* say("j-1", "Let's practise a tough talk with my landlord.")
        yield* TestClock.adjust("45 minutes")
        const next = yield* say("j-2", "The heating is broken again.")
        const groups = yield* Effect.flatMap(InteractionStore, (store) => store.groups(session))
        expect(groups).toEqual([
          expect.objectContaining({ closeReason: Option.some("idle"), assessmentRequested: true })
        ])
        expect(Option.map(next.classification, (c) => [c.applied, c.groupId])).toEqual(
          Option.some(["ignore", Option.none()])
        )
      }).pipe(Effect.provide(app))
  )
})

/** A classifier slower on the opener than on what follows it, as a model can be. */
const slowOpener = Layer.succeed(
  BoundaryClassifier,
  BoundaryClassifier.of({
    name: "slow-opener",
    canWait: true,
    classify: (request) =>
      /role play/.test(request.messages.at(-1)?.text ?? "")
        ? Effect.delay(Effect.succeed({ decision: "start" as const, confidence: 0.9 }), "50 millis")
        : Effect.succeed({ decision: "continue" as const, confidence: 0.9 })
  })
)

describe("classification order", () => {
  it.live("a session's messages classified in the background commit in the order they arrived", () =>
    Effect.gen(function* () {
      const sessionId = SessionId.make("ordered")
      // As a chat turn does: ingest, answer, then classify in the background.
      const send = (id: string, text: string) =>
        Effect.gen(function* () {
          const command = userMessage("ordered", id, text)
          const ingested = yield* IngestMessage(command)
          const background = yield* BackgroundWork
          yield* background.fork(ClassifyBoundary(classifyCommandOf(command, ingested.receivedAt)))
        }).pipe(withSessionPersistence(UserId.make("test-user"), sessionId))
      yield* send("o-1", "Let's role play my salary talk.")
      yield* send("o-2", "I delivered three projects early.")
      const store = yield* InteractionStore
      const groups = yield* store.groups(sessionId).pipe(
        Effect.filterOrFail(
          (found) => found.length > 0 && found[0]!.messages === 2,
          (found) => `groups not settled: ${JSON.stringify(found)}`
        ),
        Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo("2 seconds")))
      )
      // In arrival order: one group holding both. Out of order, the second message would have opened
      // a group of its own, closed as `restarted` by the opener.
      expect(groups).toEqual([expect.objectContaining({ status: "open", messages: 2 })])
      expect(yield* store.groupMessages(groups[0]!.groupId)).toEqual(["o-1", "o-2"])
    }).pipe(
      Effect.provide(
        application(memoryStores, { classifier: slowOpener }).pipe(
          Layer.provide(
            Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["ASSESSMENT_WORKERS", "0"]])))
          )
        )
      )
    )
  )
})

/** A classifier that starts a practice on "role play" and continues one that is open: it reads the state. */
const followsTheState = Layer.succeed(
  BoundaryClassifier,
  BoundaryClassifier.of({
    name: "follows-the-state",
    canWait: false,
    classify: (request) =>
      Effect.succeed({
        decision: request.interactionOpen
          ? ("continue" as const)
          : /role play/.test(request.messages.at(-1)?.text ?? "")
            ? ("start" as const)
            : ("ignore" as const),
        confidence: 0.9
      })
  })
)

describe("classification in the store's order, whichever process runs it", () => {
  const sessionId = SessionId.make("two-processes")
  const inSession = withSessionPersistence(UserId.make("test-user"), sessionId)
  const ingest = (id: string, text: string) =>
    Effect.map(IngestMessage(userMessage("two-processes", id, text)).pipe(inSession), (ingested) =>
      classifyCommandOf(userMessage("two-processes", id, text), ingested.receivedAt)
    )
  const waits = (outcome: "arrived" | "skipped") =>
    Effect.map(
      Metric.value(Metric.tagged(classificationOrderWaitsTotal, "outcome", outcome)),
      (state) => state.count
    )
  const layer = application(memoryStores, { classifier: followsTheState }).pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["ASSESSMENT_WORKERS", "0"]]))))
  )

  it.effect(
    "a message whose predecessor another process is still classifying waits for it, then is judged after it",
    () =>
      Effect.gen(function* () {
        const arrivedBefore = yield* waits("arrived")
        const opener = yield* ingest("p-1", "Let's role play my salary talk.")
        const next = yield* ingest("p-2", "I delivered three projects early.")
        // p-2's process gets there first: the store refuses it until p-1 is classified.
        const second = yield* Effect.fork(ClassifyBoundary(next).pipe(inSession))
        yield* TestClock.adjust("100 millis")
        expect(yield* Fiber.poll(second)).toEqual(Option.none())
        const first = yield* ClassifyBoundary(opener).pipe(inSession)
        yield* TestClock.adjust("200 millis")
        const judged = yield* Fiber.join(second)
        expect([first.applied, judged.applied]).toEqual(["start", "continue"])
        expect(judged.groupId).toEqual(first.groupId)
        expect(yield* waits("arrived")).toBe(arrivedBefore + 1)
      }).pipe(Effect.provide(layer))
  )

  it.effect(
    "a predecessor nobody classifies is given up CLASSIFICATION_ORDER_WAIT_MS after it arrived, and counted",
    () =>
      Effect.gen(function* () {
        const skippedBefore = yield* waits("skipped")
        const orphan = yield* ingest("q-1", "Let's role play my salary talk.")
        yield* TestClock.adjust("4 seconds")
        const next = yield* ingest("q-2", "I delivered three projects early.")
        const waiting = yield* Effect.fork(ClassifyBoundary(next).pipe(inSession))
        yield* TestClock.adjust("5900 millis")
        expect(yield* Fiber.poll(waiting)).toEqual(Option.none())
        yield* TestClock.adjust("100 millis")
        expect((yield* Fiber.join(waiting)).applied).toBe("ignore")
        expect(yield* waits("skipped")).toBe(skippedBefore + 1)
        // Classified late, the orphan is applied when it comes, as one process would after a failure.
        expect((yield* ClassifyBoundary(orphan).pipe(inSession)).applied).toBe("start")
        // A predecessor given up long ago holds nothing up: the next one waits no clock time at all.
        const third = yield* ingest("q-3", "Let's role play a second talk.")
        const fourth = yield* ingest("q-4", "Here I go.")
        yield* TestClock.adjust("20 seconds")
        expect((yield* ClassifyBoundary(fourth).pipe(inSession)).applied).toBe("continue")
        expect(yield* waits("skipped")).toBe(skippedBefore + 2)
        expect(
          Option.isNone(
            yield* Effect.flatMap(InteractionStore, (s) => s.classificationOf(sessionId, third.messageId))
          )
        ).toBe(true)
      }).pipe(Effect.provide(layer))
  )
})

describe("the classifier's window", () => {
  it.effect(
    "ends with the message classified, whatever the session's later messages, as it would have at once",
    () => {
      const seen: Array<ReadonlyArray<string>> = []
      const recording = Layer.succeed(
        BoundaryClassifier,
        BoundaryClassifier.of({
          name: "recording",
          canWait: false,
          classify: (request) =>
            Effect.sync(() => seen.push(request.messages.map((message) => message.text))).pipe(
              Effect.as({ decision: "ignore" as const, confidence: 0.9 })
            )
        })
      )
      const sessionId = SessionId.make("late-window")
      const inSession = withSessionPersistence(UserId.make("test-user"), sessionId)
      const ingest = (id: string, role: "user" | "assistant") =>
        IngestMessage({ ...userMessage("late-window", id, `text ${id}`), role }).pipe(
          Effect.map((ingested) =>
            classifyCommandOf({ ...userMessage("late-window", id, `text ${id}`), role }, ingested.receivedAt)
          ),
          inSession
        )
      return Effect.gen(function* () {
        const first = yield* ingest("w-1", "user")
        yield* ingest("w-2", "assistant")
        const third = yield* ingest("w-3", "user")
        yield* ingest("w-4", "assistant")
        yield* ingest("w-5", "user")
        yield* ClassifyBoundary(first).pipe(inSession)
        yield* ClassifyBoundary(third).pipe(inSession)
        expect(seen).toEqual([["text w-1"], ["text w-1", "text w-2", "text w-3"]])
      }).pipe(
        Effect.provide(
          application(memoryStores, { classifier: recording }).pipe(
            Layer.provide(
              Layer.setConfigProvider(
                ConfigProvider.fromMap(
                  new Map([
                    ["ASSESSMENT_WORKERS", "0"],
                    ["CLASSIFIER_CONTEXT_LIMIT", "3"]
                  ])
                )
              )
            )
          )
        )
      )
    }
  )
})

describe("a message stored as new whose classification landed meanwhile", () => {
  it.effect("is answered with the stored classification, and the session's state is left as it was", () =>
    Effect.gen(function* () {
      const command = userMessage(session, "race-1", "Can we role play my salary talk?")
      const first = yield* ingestAndClassify(command)
      const store = yield* InteractionStore
      const before = yield* store.interaction(session)
      // As if another process had stored and classified the same message as this one was asked:
      // taken as new (`fresh`), its stored classification is not looked for first.
      const again = yield* ClassifyBoundary(classifyCommandOf(command, first.receivedAt, true)).pipe(
        withSessionPersistence(command.userId, command.sessionId)
      )
      expect(Option.some(again)).toEqual(first.classification)
      expect(yield* store.interaction(session)).toEqual(before)
    }).pipe(Effect.provide(app))
  )
})
