import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { type OutboxEntry, TranscriptOutbox } from "../../application/ports/transcript-outbox.ts"
import type { TranscriptWriteKind } from "../../application/ports/transcript-store.ts"
import { OutboxFull } from "../../domain/errors.ts"
import { MessageId, SessionId, UserId } from "../../domain/ids.ts"

/** An outbox entry of `messageId` in `sessionId`, queued at `queuedAt`. */
export const entryOf = (
  sessionId: string,
  messageId: string,
  options: { readonly write?: TranscriptWriteKind; readonly text?: string; readonly queuedAt?: number } = {}
): OutboxEntry => ({
  item: {
    sessionId: SessionId.make(sessionId),
    messageId: MessageId.make(messageId),
    role: options.write === "finishReply" ? "assistant" : "user",
    text: options.text ?? `text of ${messageId}`,
    contentHash: `hash of ${options.text ?? messageId}`,
    ts: 1_000,
    ...(options.write === "finishReply" ? { status: "completed" as const } : {})
  },
  userId: UserId.make("user-1"),
  write: options.write ?? "append",
  queuedAt: options.queuedAt ?? 5_000
})

const idsOf = (entries: ReadonlyArray<OutboxEntry>) => entries.map((entry) => entry.item.messageId)

/** The `TranscriptOutbox` contract, run on every adapter with a fresh outbox of capacity 3 per test. */
export const transcriptOutboxContract = (
  name: string,
  makeLayer: (capacity: number) => Layer.Layer<TranscriptOutbox, unknown>
) =>
  describe(`TranscriptOutbox contract: ${name}`, () => {
    it.effect("keeps entries in arrival order, as they were given, and says which sessions wait", () =>
      Effect.gen(function* () {
        const outbox = yield* TranscriptOutbox
        expect(yield* outbox.stats).toEqual({ depth: 0, oldestQueuedAt: Option.none() })
        yield* outbox.enqueue(entryOf("s1", "m1", { queuedAt: 10 }))
        yield* outbox.enqueue(entryOf("s2", "m1", { queuedAt: 20 }))
        yield* outbox.enqueue(entryOf("s1", "m2", { queuedAt: 30 }))
        const waiting = yield* outbox.oldest(10)
        expect(waiting.map((entry) => [entry.item.sessionId, entry.item.messageId])).toEqual([
          ["s1", "m1"],
          ["s2", "m1"],
          ["s1", "m2"]
        ])
        expect(waiting[0]).toMatchObject(entryOf("s1", "m1", { queuedAt: 10 }))
        expect(idsOf(yield* outbox.oldest(2))).toEqual(["m1", "m1"])
        expect(yield* outbox.holds(SessionId.make("s1"))).toBe(true)
        expect(yield* outbox.holds(SessionId.make("s3"))).toBe(false)
        expect(yield* outbox.stats).toEqual({ depth: 3, oldestQueuedAt: Option.some(10) })
      }).pipe(Effect.provide(makeLayer(3)))
    )

    it.effect("refuses a new message at capacity, and still takes later writes of waiting ones", () =>
      Effect.gen(function* () {
        const outbox = yield* TranscriptOutbox
        for (const id of ["m1", "m2", "m3"]) yield* outbox.enqueue(entryOf("s1", id))
        expect(yield* Effect.flip(outbox.enqueue(entryOf("s1", "m4")))).toEqual(
          new OutboxFull({ capacity: 3 })
        )
        yield* outbox.enqueue(entryOf("s1", "m1"))
        yield* outbox.enqueue(entryOf("s1", "m2", { write: "finishReply", text: "final" }))
        expect((yield* outbox.stats).depth).toBe(3)
      }).pipe(Effect.provide(makeLayer(3)))
    )

    it.effect("a completion replaces its waiting message in place; a repeated append leaves it", () =>
      Effect.gen(function* () {
        const outbox = yield* TranscriptOutbox
        yield* outbox.enqueue(entryOf("s1", "reply", { queuedAt: 10, text: "" }))
        yield* outbox.enqueue(entryOf("s1", "after", { queuedAt: 20 }))
        yield* outbox.enqueue(entryOf("s1", "after", { queuedAt: 25, text: "a retry, changed" }))
        yield* outbox.enqueue(entryOf("s1", "reply", { write: "finishReply", text: "done", queuedAt: 30 }))
        const [reply, after] = yield* outbox.oldest(10)
        expect(reply).toMatchObject({ write: "finishReply", queuedAt: 10, item: { text: "done" } })
        expect(after).toMatchObject({ queuedAt: 20, item: { text: "text of after" } })
      }).pipe(Effect.provide(makeLayer(3)))
    )

    it.effect("removes a delivered entry, but not one a later write replaced meanwhile", () =>
      Effect.gen(function* () {
        const outbox = yield* TranscriptOutbox
        yield* outbox.enqueue(entryOf("s1", "m1"))
        yield* outbox.enqueue(entryOf("s1", "reply", { text: "" }))
        const [first, reply] = yield* outbox.oldest(10)
        yield* outbox.enqueue(entryOf("s1", "reply", { write: "finishReply", text: "done" }))
        yield* outbox.remove(first!)
        yield* outbox.remove(reply!)
        const left = yield* outbox.oldest(10)
        expect(left).toHaveLength(1)
        expect(left[0]).toMatchObject({ write: "finishReply", item: { messageId: "reply", text: "done" } })
        yield* outbox.remove(left[0]!)
        expect(yield* outbox.stats).toEqual({ depth: 0, oldestQueuedAt: Option.none() })
      }).pipe(Effect.provide(makeLayer(3)))
    )

    it.effect("deleting a session removes its entries only", () =>
      Effect.gen(function* () {
        const outbox = yield* TranscriptOutbox
        yield* outbox.enqueue(entryOf("s1", "m1"))
        yield* outbox.enqueue(entryOf("s2", "m1"))
        yield* outbox.enqueue(entryOf("s1", "m2"))
        expect(yield* outbox.deleteSession(SessionId.make("s1"))).toBe(2)
        expect((yield* outbox.oldest(10)).map((entry) => entry.item.sessionId)).toEqual(["s2"])
        expect(yield* outbox.holds(SessionId.make("s1"))).toBe(false)
      }).pipe(Effect.provide(makeLayer(3)))
    )
  })
