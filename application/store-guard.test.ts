import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { application, memoryStores } from "../bootstrap/layers.ts"
import { UserId } from "../domain/ids.ts"
import { PrivacySettingsStore } from "./ports/privacy-settings-store.ts"
import { StoreCalls } from "./ports/store-calls.ts"

/** A privacy store that takes ten seconds to answer a read. */
const slowPrivacy = Layer.succeed(
  PrivacySettingsStore,
  PrivacySettingsStore.of({
    getUser: () => Effect.as(Effect.sleep("10 seconds"), Option.none()),
    setUser: () => Effect.void,
    getSession: () => Effect.as(Effect.sleep("10 seconds"), Option.none()),
    setSession: () => Effect.void,
    getOptOuts: () => Effect.as(Effect.sleep("10 seconds"), { user: Option.none(), session: Option.none() }),
    deleteUser: () => Effect.succeed(0),
    deleteSession: () => Effect.succeed(0)
  })
)

const guardedOver = (calls: Layer.Layer<StoreCalls>) =>
  application(Layer.mergeAll(memoryStores, slowPrivacy, calls)).pipe(
    Layer.provide(
      Layer.setConfigProvider(
        ConfigProvider.fromMap(
          new Map([
            ["STORE_TIMEOUT_MS", "1000"],
            ["ASSESSMENT_WORKERS", "0"],
            ["PERSIST_RETRY_SECONDS", "3600"]
          ])
        )
      )
    )
  )

const readUser = Effect.flatMap(PrivacySettingsStore, (store) =>
  Effect.fork(Effect.either(store.getUser(UserId.make("slow-reader"))))
)

describe("the store guard's deadline", () => {
  it.effect("cuts a call to a store that can wait at STORE_TIMEOUT_MS", () =>
    Effect.gen(function* () {
      const call = yield* readUser
      yield* TestClock.adjust("1001 millis")
      const result = yield* Fiber.join(call)
      expect(Either.isLeft(result) ? result.left.reason : "answered").toBe("timed out")
    }).pipe(Effect.provide(guardedOver(StoreCalls.overNetwork)))
  )

  it.effect("leaves a call on the caller's thread alone: no timer could fire before it returns", () =>
    Effect.gen(function* () {
      const call = yield* readUser
      yield* TestClock.adjust("1001 millis")
      expect(Option.isNone(yield* Fiber.poll(call))).toBe(true)
      yield* TestClock.adjust("9 seconds")
      expect(yield* Fiber.join(call)).toEqual(Either.right(Option.none()))
    }).pipe(Effect.provide(guardedOver(StoreCalls.onCallerThread)))
  )
})
