import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Ref } from "effect"
import { StoreUnavailable } from "../domain/errors.ts"
import { SessionId, UserId } from "../domain/ids.ts"
import { SessionOwners } from "./ports/session-owners.ts"
import { AuthorizeSession, layerRememberedOwners } from "./session-access.ts"

const userA = UserId.make("user-a")
const userB = UserId.make("user-b")
const session = SessionId.make("s1")

/** One owned session in a store that can be switched off; it counts the calls that reach it. */
const store = (down: Ref.Ref<boolean>, calls: Ref.Ref<number>) =>
  Layer.succeed(SessionOwners, {
    ownerOf: (sessionId) => reach(down, calls, sessionId === session ? Option.some(userA) : Option.none()),
    claim: (sessionId, writer) => reach(down, calls, sessionId === session ? userA : writer),
    sessionsOf: () => Effect.die("sessionsOf is not used here"),
    countUnstored: () => Effect.die("countUnstored is not used here"),
    messageCountOf: () => Effect.die("messageCountOf is not used here"),
    release: () => Effect.die("release is not used here")
  })
const reach = <A>(down: Ref.Ref<boolean>, calls: Ref.Ref<number>, answer: A) =>
  Effect.zipRight(
    Ref.update(calls, (n) => n + 1),
    Effect.if(Ref.get(down), {
      onTrue: () => Effect.fail(new StoreUnavailable({ operation: "owner_of", reason: "down (test)" })),
      onFalse: () => Effect.succeed(answer)
    })
  )

describe("AuthorizeSession", () => {
  it.effect("lets the owner read and write, claims a free session for a writer, refuses the rest", () =>
    Effect.gen(function* () {
      yield* AuthorizeSession(userA, session, "read")
      yield* AuthorizeSession(userA, session, "write")
      yield* AuthorizeSession(userB, SessionId.make("free"), "write")
      expect(yield* Effect.flip(AuthorizeSession(userB, session, "read"))).toMatchObject({
        _tag: "SessionNotFound",
        sessionId: session
      })
      expect((yield* Effect.flip(AuthorizeSession(userB, session, "write")))._tag).toBe("SessionNotFound")
      expect((yield* Effect.flip(AuthorizeSession(userB, SessionId.make("free"), "read")))._tag).toBe(
        "SessionNotFound"
      )
    }).pipe(Effect.provide(store(Ref.unsafeMake(false), Ref.unsafeMake(0))))
  )

  it.effect("remembers owners it has seen: they answer without the store, through an outage", () =>
    Effect.gen(function* () {
      const down = yield* Ref.make(false)
      const calls = yield* Ref.make(0)
      yield* Effect.gen(function* () {
        yield* AuthorizeSession(userA, session, "write")
        yield* Ref.set(down, true)
        yield* AuthorizeSession(userA, session, "read")
        expect((yield* Effect.flip(AuthorizeSession(userB, session, "write")))._tag).toBe("SessionNotFound")
        expect((yield* Effect.flip(AuthorizeSession(userB, SessionId.make("other"), "write")))._tag).toBe(
          "StoreUnavailable"
        )
      }).pipe(Effect.provide(layerRememberedOwners(10).pipe(Layer.provide(store(down, calls)))))
      expect(yield* Ref.get(calls)).toBe(2)
    })
  )
})
