import { describe, expect, it } from "@effect/vitest"
import { Cause, ConfigProvider, Effect, Exit, Fiber, Layer, Option, Random, TestClock } from "effect"
import { application, memoryStores } from "../bootstrap/layers.ts"
import { GroupId, SessionId } from "../domain/ids.ts"
import { transition } from "../domain/interaction-group.ts"
import { commitInteraction, type InteractionStep, StaleInteraction } from "./commit-interaction.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { SessionMemory } from "./ports/session-memory.ts"

const app = application(memoryStores, { sweeps: false }).pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["ASSESSMENT_WORKERS", "0"]]))))
)
const session = SessionId.make("contended")

/** Opens a practice: the step a `start` with full confidence takes. */
const opens: InteractionStep = (state, at) => ({
  transition: transition(state, {
    classification: { decision: "start", confidence: 1 },
    at,
    newGroupId: GroupId.make("contended-group"),
    minConfidence: 0.6
  }),
  classification: Option.none()
})

/** The interaction store as another writer contends for it: its first `times` commits come back stale. */
const contended = (times: number) => {
  let left = times
  return Layer.effect(
    InteractionStore,
    Effect.map(InteractionStore, (store) =>
      InteractionStore.of({
        ...store,
        commit: (commit) => (left-- > 0 ? Effect.succeed("stale" as const) : store.commit(commit))
      })
    )
  )
}

/**
 * Commits `opens` against a store that answers stale `times` times, letting the backoff run its course.
 * The jitter sits in the middle of its range, so the backoff waits whole milliseconds: the test
 * clock cannot stand between two (its time in nanoseconds, which spans read, would not be whole).
 */
const commitContended = (times: number) =>
  Effect.gen(function* () {
    const committing = yield* Effect.fork(
      commitInteraction(session, 0, opens, Option.none()).pipe(
        Effect.provide(contended(times)),
        Effect.withRandom(Random.fixed([0.5]))
      )
    )
    yield* TestClock.adjust("1 minute")
    return yield* Fiber.await(committing)
  })

/** The interaction store, counting its reads of a session's state and the versions commits expected. */
const counted = () => {
  const seen = { reads: 0, expected: [] as Array<number> }
  const layer = Layer.effect(
    InteractionStore,
    Effect.map(InteractionStore, (store) =>
      InteractionStore.of({
        ...store,
        interaction: (sessionId) =>
          Effect.zipRight(
            Effect.sync(() => seen.reads++),
            store.interaction(sessionId)
          ),
        commit: (commit) =>
          Effect.zipRight(
            Effect.sync(() => seen.expected.push(commit.expectedVersion)),
            store.commit(commit)
          )
      })
    )
  )
  return { seen, layer }
}

describe("commitInteraction on the state a judgement was made on", () => {
  it.effect("commits on it without reading the state again", () =>
    Effect.gen(function* () {
      const judged = yield* Effect.flatMap(InteractionStore, (store) => store.interaction(session))
      const { seen, layer } = counted()
      const change = yield* commitInteraction(session, 0, opens, Option.none(), {
        judged
      }).pipe(Effect.provide(layer))
      expect(change.result).toBe("committed")
      expect(seen).toEqual({ reads: 0, expected: [judged.version] })
    }).pipe(Effect.provide(app))
  )

  it.effect("answers moved at once, writing nothing, when the session has moved past it", () =>
    Effect.gen(function* () {
      const store = yield* InteractionStore
      const judged = yield* store.interaction(session)
      // Another message moves the session on meanwhile.
      expect((yield* commitInteraction(session, 0, opens, Option.none())).result).toBe("committed")
      const moved = yield* store.interaction(session)
      const { seen, layer } = counted()
      // No backoff to wait for: on the test clock, a wait would never end.
      const change = yield* commitInteraction(session, 0, opens, Option.none(), {
        judged
      }).pipe(Effect.provide(layer))
      expect(change.result).toBe("moved")
      // One commit on the judged version, refused; then one read, which saw the session had moved.
      expect(seen).toEqual({ reads: 1, expected: [judged.version] })
      expect(yield* store.interaction(session)).toEqual(moved)
    }).pipe(Effect.provide(app))
  )
})

describe("commitInteraction", () => {
  it.effect("reads the state again and applies the step again after a stale commit", () =>
    Effect.gen(function* () {
      const exit = yield* commitContended(3)
      expect(Exit.map(exit, (change) => change.result)).toEqual(Exit.succeed("committed"))
      const groups = yield* Effect.flatMap(InteractionStore, (store) => store.groups(session))
      expect(groups).toEqual([expect.objectContaining({ groupId: "contended-group", status: "open" })])
    }).pipe(Effect.provide(app))
  )

  it.effect("fails with StaleInteraction when the state keeps changing past ten retries", () =>
    Effect.gen(function* () {
      const exit = yield* commitContended(11)
      expect(Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : exit).toEqual(
        Option.some(new StaleInteraction())
      )
    }).pipe(Effect.provide(app))
  )

  it.effect("writes nothing for a session deleted since the work began", () =>
    Effect.gen(function* () {
      yield* Effect.flatMap(SessionMemory, (memory) => memory.deleteSession(session))
      const change = yield* commitInteraction(session, 0, opens, Option.none())
      expect(change.result).toBe("deleted")
      expect(yield* Effect.flatMap(InteractionStore, (store) => store.groups(session))).toEqual([])
    }).pipe(Effect.provide(app))
  )
})
