import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Option, Schedule, TestClock } from "effect"
import { application, memoryStores } from "../bootstrap/layers.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { ingestAndClassify } from "../test/support/ingest.ts"
import { userMessage } from "../test/support/items.ts"
import { SweepIdleInteractions } from "./sweep-idle-interactions.ts"
import { BackgroundWork } from "./background-work.ts"
import { ClassifyBoundary, classifyCommandOf } from "./classify-boundary.ts"
import { IngestMessage } from "./ingest-message.ts"
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
