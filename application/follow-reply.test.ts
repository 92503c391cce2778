import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream, TestClock } from "effect"
import { memoryStores } from "../bootstrap/layers.ts"
import { MessageId, SessionId, UserId } from "../domain/ids.ts"
import { contentOf } from "../domain/transcript.ts"
import { newItem } from "../test/support/items.ts"
import { readTurn } from "../test/support/read-turn.ts"
import { scriptedApplication } from "../test/support/scripted-application.ts"
import { ScriptedChatModel } from "../test/support/scripted-chat-model.ts"
import { FollowReply } from "./follow-reply.ts"
import { ReplyEnd } from "./ports/replies-in-flight.ts"
import { TranscriptStore } from "./ports/transcript-store.ts"
import { StreamChat } from "./stream-chat.ts"

const app = scriptedApplication(memoryStores, {
  REPLY_SAVE_INTERVAL_MS: "1000",
  REPLY_LEASE_MS: "4000",
  CHAT_IDLE_TIMEOUT_MS: "5000",
  CHAT_TURN_TIMEOUT_MS: "60000",
  ASSESSMENT_WORKERS: "0",
  PERSIST_RETRY_SECONDS: "3600"
})

const session = SessionId.make("followed")
/** Twelve words, one every 300 ms. */
const words = Array.from({ length: 12 }, (_, i) => `w${i} `)

/** Moves the clock on to `at`, in steps that let every fiber run. */
const advanceTo = (at: number) =>
  Effect.gen(function* () {
    const now = yield* TestClock.currentTimeMillis
    for (let t = now + 50; t <= at; t += 50) yield* TestClock.setTime(t)
    yield* TestClock.setTime(at)
  })

const follow = Effect.gen(function* () {
  const followed = yield* FollowReply(session)
  expect(Option.isSome(followed)).toBe(true)
  const { messageId, snapshots } = Option.getOrThrow(followed)
  return { messageId, reading: yield* Effect.fork(Stream.runCollect(snapshots)) }
})

const storedReply = Effect.flatMap(TranscriptStore, (store) =>
  Effect.map(store.lastN(session, 10), (items) => items.find((item) => item.role === "assistant"))
)

const save = (text: string, leaseUntil: number) =>
  Effect.flatMap(TranscriptStore, (store) =>
    store.saveReplyText({
      sessionId: session,
      messageId: MessageId.make("r1"),
      text,
      contentHash: contentOf({ role: "assistant", text }),
      leaseUntil
    })
  )

describe("FollowReply", () => {
  it.effect("follows a reply this process streams, from its text so far to the stored end", () =>
    Effect.gen(function* () {
      yield* Effect.flatMap(ScriptedChatModel, (model) => model.setScript({ deltas: words, delayMs: 300 }))
      const turn = yield* StreamChat(
        {
          userId: UserId.make("follower"),
          sessionId: session,
          groupId: Option.none(),
          prompt: "Tell me something long.",
          promptMessageId: Option.none(),
          replaces: Option.none(),
          requestId: "follow-request"
        },
        yield* Effect.scope
      )
      const producing = yield* Effect.fork(readTurn(turn))
      yield* advanceTo(1_000)
      const { messageId, reading } = yield* follow
      expect(messageId).toBe(turn.assistantMessageId)
      yield* advanceTo(5_000)
      yield* Fiber.join(producing)
      const seen = Chunk.toArray(yield* Fiber.join(reading))
      expect(seen[0]!.text).toBe(words.slice(0, 3).join(""))
      const last = seen.at(-1)!
      expect(Option.map(last.end, (end) => end._tag)).toEqual(Option.some("Finished"))
      const stored = yield* storedReply
      expect([stored?.messageId, stored?.text, stored?.status]).toEqual([messageId, last.text, "completed"])
      expect(last.text).toBe(words.join(""))
    }).pipe(Effect.scoped, Effect.provide(app))
  )

  it.effect(
    "follows a reply another process writes through the store, and ends it incomplete when its lease lapses",
    () =>
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const reply = { sessionId: session, messageId: "r1", role: "assistant", text: "", ts: 0 } as const
        yield* store.append(newItem({ ...reply, status: "in_progress" }))
        yield* save("Partial", 4_000)
        const { messageId, reading } = yield* follow
        expect(messageId).toBe("r1")
        yield* advanceTo(1_000)
        yield* save("Partial reply", 5_000)
        // The writer stops saving: its lease lapses at 5 s, and the follower ends within a save interval.
        yield* advanceTo(7_000)
        const seen = Chunk.toArray(yield* Fiber.join(reading))
        expect(seen[0]!.text).toBe("Partial")
        expect(seen.at(-1)).toEqual({ text: "Partial reply", end: Option.some(ReplyEnd.Incomplete()) })
      }).pipe(Effect.provide(app))
  )

  it.effect(
    "finds nothing when the session's newest reply is finished, or its writer's lease has lapsed",
    () =>
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        expect(yield* FollowReply(session)).toEqual(Option.none())
        const reply = { sessionId: session, messageId: "r1", role: "assistant", text: "", ts: 0 } as const
        yield* store.append(newItem({ ...reply, status: "in_progress" }))
        yield* save("Partial", 1_000)
        yield* advanceTo(2_000)
        expect(yield* FollowReply(session)).toEqual(Option.none())
        yield* store.finishReply(newItem({ ...reply, text: "Done", status: "completed" }))
        expect(yield* FollowReply(session)).toEqual(Option.none())
      }).pipe(Effect.provide(app))
  )
})
