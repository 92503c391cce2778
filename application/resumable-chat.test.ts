import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option, Scope } from "effect"
import { memoryStores } from "../bootstrap/layers.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { scriptedApplication } from "../test/support/scripted-application.ts"
import { ScriptedChatModel } from "../test/support/scripted-chat-model.ts"
import { StreamResumableChat } from "./resumable-chat.ts"

const app = scriptedApplication(memoryStores, { ASSESSMENT_WORKERS: "0", PERSIST_RETRY_SECONDS: "3600" })

describe("StreamResumableChat", () => {
  it.effect("gives back what the turn holds when it is interrupted before its relay starts", () =>
    Effect.gen(function* () {
      yield* Effect.flatMap(ScriptedChatModel, (model) => model.setScript({ deltas: ["Hello."] }))
      const released: Array<string> = []
      const holding = yield* Deferred.make<void>()
      const starting = yield* Effect.fork(
        StreamResumableChat(
          {
            userId: UserId.make("holder"),
            sessionId: SessionId.make("held"),
            groupId: Option.none(),
            prompt: "Tell me something.",
            promptMessageId: Option.none(),
            replaces: Option.none(),
            requestId: "held-request"
          },
          (scope) =>
            Scope.addFinalizer(
              scope,
              Effect.sync(() => released.push("slot"))
            ),
          // The turn is interrupted while its hold is being taken, after the turn itself has started.
          () => Effect.zipRight(Deferred.succeed(holding, undefined), Effect.never)
        )
      )
      yield* Deferred.await(holding)
      yield* Fiber.interrupt(starting)
      expect(released).toEqual(["slot"])
    }).pipe(Effect.provide(app))
  )
})
