import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Fiber, Layer, Option } from "effect"
import * as MemoryPrivacy from "../adapters/memory/privacy-settings-store.ts"
import { StoreUnavailable } from "../domain/errors.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { StoreChanges } from "./ports/store-changes.ts"
import { layerRememberedPrivacy } from "./remembered-privacy.ts"

interface TestStore {
  down: boolean
  reads: number
  /** Reads let other fibers run between reading the store and answering. */
  slow?: boolean
  /** Writes take effect, then never answer. */
  hangingWrites?: boolean
  /** The settings as stored, for another process's writes. */
  stored?: PrivacySettingsStore["Type"]
}

/** Memory settings whose reads fail while `store.down` is set; they count the reads that reach them. */
const flaky = (store: TestStore) =>
  Layer.effect(
    PrivacySettingsStore,
    Effect.map(MemoryPrivacy.make, (memory) => {
      store.stored = memory
      const gate = <A>(read: Effect.Effect<A, StoreUnavailable>) =>
        Effect.suspend(() => {
          store.reads++
          if (store.down)
            return Effect.fail(new StoreUnavailable({ operation: "read", reason: "down (test)" }))
          return store.slow === true ? Effect.zipLeft(read, Effect.yieldNow()) : read
        })
      return PrivacySettingsStore.of({
        ...memory,
        getUser: (userId) => gate(memory.getUser(userId)),
        getSession: (sessionId) => gate(memory.getSession(sessionId)),
        getOptOuts: (userId, sessionId) => gate(memory.getOptOuts(userId, sessionId)),
        setSession: (sessionId, optOut) =>
          Effect.zipLeft(
            memory.setSession(sessionId, optOut),
            store.hangingWrites === true ? Effect.never : Effect.void
          )
      })
    })
  )

/** Changes by other processes as the test says: `mark` moves when one has written. */
const changes = (others: { mark: Option.Option<number> }) =>
  Layer.succeed(StoreChanges, { byOthers: () => others.mark })

const remembered = (store: TestStore, others: { mark: Option.Option<number> }) =>
  layerRememberedPrivacy(10).pipe(Layer.provide(Layer.merge(flaky(store), changes(others))))

const user = UserId.make("user-1")
const seen = SessionId.make("seen")
const unseen = SessionId.make("unseen")

describe("remembered privacy settings", () => {
  it.effect("answers both flags from memory through an outage only when it knows both", () => {
    const store: TestStore = { down: false, reads: 0 }
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      yield* settings.setSession(seen, true)
      expect(yield* settings.getOptOuts(user, seen)).toEqual({
        user: Option.none(),
        session: Option.some(true)
      })
      store.down = true
      expect(yield* settings.getOptOuts(user, seen)).toEqual({
        user: Option.none(),
        session: Option.some(true)
      })
      // The user is known, this session is not: no decision from half of it.
      expect(Either.isLeft(yield* Effect.either(settings.getOptOuts(user, unseen)))).toBe(true)
      // A store that cannot tell of others' changes is read every time.
      expect(store.reads).toBe(3)
    }).pipe(Effect.provide(remembered(store, { mark: Option.none() })))
  })

  it.effect("answers what it remembers without a read while no other process has written", () => {
    const store: TestStore = { down: false, reads: 0 }
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      expect(yield* settings.getOptOuts(user, seen)).toEqual({ user: Option.none(), session: Option.none() })
      expect(yield* settings.getOptOuts(user, seen)).toEqual({ user: Option.none(), session: Option.none() })
      expect(store.reads).toBe(1)
      // This process's own changes are what it answers next, still without a read.
      yield* settings.setSession(seen, true)
      yield* settings.setUser(user, false)
      expect(yield* settings.getOptOuts(user, seen)).toEqual({
        user: Option.some(false),
        session: Option.some(true)
      })
      expect(yield* settings.getSession(seen)).toEqual(Option.some(true))
      expect(store.reads).toBe(1)
      // Deleted settings are read again.
      yield* settings.deleteSession(seen)
      expect(yield* settings.getOptOuts(user, seen)).toEqual({
        user: Option.some(false),
        session: Option.none()
      })
      expect(store.reads).toBe(2)
    }).pipe(Effect.provide(remembered(store, { mark: Option.some(7) })))
  })

  it.effect("holds a decision's two remembered settings to one mark of others' changes", () => {
    const store: TestStore = { down: false, reads: 0 }
    const others = { mark: Option.some(1), asked: 0 }
    const counted = Layer.succeed(StoreChanges, {
      byOthers: () => {
        others.asked++
        return others.mark
      }
    })
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      yield* settings.getOptOuts(user, seen)
      others.asked = 0
      expect(yield* settings.getOptOuts(user, seen)).toEqual({ user: Option.none(), session: Option.none() })
      // Each ask is a read of the store (SQLite's data_version): one per decision, not one per setting.
      expect(others.asked).toBe(1)
      expect(store.reads).toBe(1)
    }).pipe(
      Effect.provide(layerRememberedPrivacy(10).pipe(Layer.provide(Layer.merge(flaky(store), counted))))
    )
  })

  it.effect("reads the store again once another process has written to it", () => {
    const store: TestStore = { down: false, reads: 0 }
    const others = { mark: Option.some(1) }
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      expect(yield* settings.getUser(user)).toEqual(Option.none())
      // Another process opts the user out: the store has it, this process's memory does not.
      yield* store.stored!.setUser(user, true)
      expect(yield* settings.getUser(user)).toEqual(Option.none())
      others.mark = Option.some(2)
      expect(yield* settings.getUser(user)).toEqual(Option.some(true))
      expect(store.reads).toBe(2)
    }).pipe(Effect.provide(remembered(store, others)))
  })

  it.effect("does not remember a read that an opt-out overtook: the opt-out is the answer after both", () => {
    const store: TestStore = { down: false, reads: 0, slow: true }
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      // The read has the session not opted out, and waits to answer while the opt-out is written.
      const reading = yield* Effect.fork(settings.getOptOuts(user, seen))
      yield* Effect.yieldNow()
      yield* settings.setSession(seen, true)
      expect(yield* Fiber.join(reading)).toEqual({ user: Option.none(), session: Option.none() })
      expect(yield* settings.getOptOuts(user, seen)).toEqual({
        user: Option.none(),
        session: Option.some(true)
      })
    }).pipe(Effect.provide(remembered(store, { mark: Option.some(7) })))
  })

  it.effect("forgets a setting whose write did not answer: the store is asked next", () => {
    const store: TestStore = { down: false, reads: 0, hangingWrites: true }
    return Effect.gen(function* () {
      const settings = yield* PrivacySettingsStore
      expect(yield* settings.getSession(seen)).toEqual(Option.none())
      // The opt-out lands in the store, but its caller is interrupted before the answer.
      const writing = yield* Effect.fork(settings.setSession(seen, true))
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(writing)
      expect(yield* settings.getSession(seen)).toEqual(Option.some(true))
      expect(store.reads).toBe(2)
    }).pipe(Effect.provide(remembered(store, { mark: Option.some(7) })))
  })
})
