import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, TestClock } from "effect"
import {
  type PageOrder,
  type StoredReply,
  TranscriptStore
} from "../../application/ports/transcript-store.ts"
import { MessageId, SessionId } from "../../domain/ids.ts"
import { contentOf } from "../../domain/transcript.ts"
import { newItem } from "../support/items.ts"

const session = SessionId.make("session-1")
/** The latest `ts` the API accepts. */
const MAX_TS = 8_640_000_000_000_000

const appendAll = (items: ReadonlyArray<Parameters<typeof newItem>[0]>) =>
  Effect.flatMap(TranscriptStore, (store) => Effect.forEach(items, (fields) => store.append(newItem(fields))))

/** A reply's text so far, as its writer saves it, holding it until `leaseUntil`. */
const progress = (messageId: string, text: string, leaseUntil: number, sessionId = session) => ({
  sessionId,
  messageId: MessageId.make(messageId),
  text,
  contentHash: contentOf({ role: "assistant", text }),
  leaseUntil
})

const startReply = (messageId: string, ts: number) =>
  Effect.flatMap(TranscriptStore, (store) =>
    store.append(newItem({ messageId, role: "assistant", text: "", status: "in_progress", ts }))
  )

/** Each item of the session as [messageId, text, status]. */
const rows = Effect.flatMap(TranscriptStore, (store) =>
  Effect.map(store.lastN(session, 100), (items) =>
    items.map((item) => [item.messageId, item.text, item.status])
  )
)

const readAll = (order: PageOrder, limit: number) =>
  Effect.gen(function* () {
    const store = yield* TranscriptStore
    const seen: Array<string> = []
    let after = Option.none<{ ts: number; seq: number }>()
    for (let pages = 0; pages < 100; pages++) {
      const page = yield* store.page(session, { order, limit, after })
      seen.push(...page.items.map((item) => item.messageId))
      if (Option.isNone(page.next)) return { seen, pages: pages + 1 }
      after = page.next
    }
    throw new Error("paging did not end")
  })

/**
 * The `TranscriptStore` contract. Every adapter runs this same suite; `makeLayer` gives a fresh,
 * empty store for each test.
 */
export const transcriptStoreContract = (
  name: string,
  makeLayer: () => Layer.Layer<TranscriptStore, unknown>
) =>
  describe(`TranscriptStore contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, TranscriptStore>) =>
      it.effect(title, () => Effect.provide(body, makeLayer()))

    test(
      "assigns a per-session arrival sequence",
      Effect.gen(function* () {
        const results = yield* appendAll([
          { messageId: "a1" },
          { messageId: "b1", sessionId: "session-2" },
          { messageId: "a2" },
          { messageId: "a3" }
        ])
        expect(results.map((r) => r._tag)).toEqual(["Inserted", "Inserted", "Inserted", "Inserted"])
        expect(results.map((r) => (r._tag === "Inserted" ? r.item.seq : -1))).toEqual([1, 1, 2, 3])
      })
    )

    test(
      "a repeat with the same content is a duplicate that returns the stored item",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const first = yield* store.append(newItem({ messageId: "m1", ts: 5, groupId: "g1" }))
        const again = yield* store.append(newItem({ messageId: "m1", ts: 99 }))
        expect(first._tag).toBe("Inserted")
        expect(again._tag).toBe("Duplicate")
        if (first._tag !== "Inserted" || again._tag !== "Duplicate") return
        expect(again.item).toEqual(first.item)
        expect(yield* store.lastN(session, 10)).toHaveLength(1)
      })
    )

    test(
      "the same messageId with other content in the session is a conflict, and nothing changes",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "m1", text: "original" }))
        const content = yield* store.append(newItem({ messageId: "m1", text: "edited" }))
        expect(content).toMatchObject({ _tag: "Conflict", existing: { text: "original" } })
        expect((yield* store.lastN(session, 10)).map((i) => i.text)).toEqual(["original"])
      })
    )

    test(
      "message ids are unique per session: the same id in another session is another message",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const other = SessionId.make("session-2")
        yield* store.append(newItem({ messageId: "m1", text: "original" }))
        const same = yield* store.append(newItem({ messageId: "m1", text: "original", sessionId: other }))
        const edited = yield* store.append(newItem({ messageId: "m1", text: "edited", sessionId: other }))
        expect(same).toMatchObject({ _tag: "Inserted", item: { sessionId: other, seq: 1 } })
        expect(edited).toMatchObject({ _tag: "Conflict", existing: { sessionId: other } })
        yield* store.append(newItem({ messageId: "r1", role: "assistant", status: "in_progress" }))
        const reply = newItem({ messageId: "r1", role: "assistant", text: "Reply", sessionId: other })
        expect(yield* store.finishReply(reply)).toMatchObject({ _tag: "Inserted", item: { seq: 2 } })
        expect((yield* store.lastN(session, 10)).map((i) => [i.messageId, i.status])).toEqual([
          ["m1", undefined],
          ["r1", "in_progress"]
        ])
        expect((yield* store.lastN(other, 10)).map((i) => [i.messageId, i.text])).toEqual([
          ["m1", "original"],
          ["r1", "Reply"]
        ])
        expect(yield* store.deleteSession(session)).toBe(2)
        expect(yield* store.lastN(other, 10)).toHaveLength(2)
      })
    )

    test(
      "lastN is the last N of the session by (ts, seq), ascending, across groups",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* appendAll([
          { messageId: "m1", ts: 10, groupId: "g1" },
          { messageId: "m2", ts: 30 },
          { messageId: "m3", ts: 20, groupId: "g2" },
          { messageId: "m4", ts: 30, groupId: "g1" },
          { messageId: "other", ts: 40, sessionId: "session-2" }
        ])
        const window = yield* store.lastN(session, 3)
        expect(window.map((i) => i.messageId)).toEqual(["m3", "m2", "m4"])
        expect((yield* store.lastN(session, 100)).map((i) => i.messageId)).toEqual(["m1", "m3", "m2", "m4"])
        expect(yield* store.lastN(SessionId.make("nobody"), 5)).toEqual([])
      })
    )

    test(
      "keeps every field of an item",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const item = newItem({
          messageId: "m1",
          role: "assistant",
          ts: 1234,
          groupId: "g1",
          audioUrl: "https://example.test/a.ogg",
          status: "incomplete"
        })
        yield* store.append(item)
        const [stored] = yield* store.lastN(session, 1)
        expect({ ...stored }).toEqual({ ...item, seq: 1 })
      })
    )

    test(
      "pages through a session in both orders, each item exactly once",
      Effect.gen(function* () {
        yield* appendAll(
          Array.from({ length: 11 }, (_, i) => ({ messageId: `m${i}`, ts: 100 + Math.floor(i / 3) }))
        )
        const expected = Array.from({ length: 11 }, (_, i) => `m${i}`)
        const asc = yield* readAll("asc", 4)
        expect(asc.seen).toEqual(expected)
        expect(asc.pages).toBe(3)
        expect((yield* readAll("desc", 5)).seen).toEqual([...expected].reverse())
        expect((yield* readAll("asc", 11)).pages).toBe(1)
      })
    )

    test(
      "finishReply completes an in-progress reply in place, once",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "u1", ts: 100 }))
        yield* store.append(
          newItem({ messageId: "r1", role: "assistant", text: "", status: "in_progress", ts: 200 })
        )
        yield* store.append(newItem({ messageId: "u2", ts: 300 }))
        const final = newItem({
          messageId: "r1",
          role: "assistant",
          text: "Full reply",
          status: "completed",
          ts: 999
        })
        const finished = yield* store.finishReply(final)
        expect(finished).toMatchObject({
          _tag: "Inserted",
          item: { text: "Full reply", ts: 200, seq: 2, status: "completed" }
        })
        expect((yield* store.lastN(session, 10)).map((i) => [i.messageId, i.text, i.status])).toEqual([
          ["u1", "text of u1", undefined],
          ["r1", "Full reply", "completed"],
          ["u2", "text of u2", undefined]
        ])
        expect((yield* store.finishReply(final))._tag).toBe("Duplicate")
        const other = newItem({ messageId: "r1", role: "assistant", text: "Another", status: "completed" })
        expect(yield* store.finishReply(other)).toMatchObject({ _tag: "Conflict" })
      })
    )

    test(
      "finishReply appends a reply that was never started here",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const reply = newItem({
          messageId: "r9",
          role: "assistant",
          text: "Partial",
          status: "incomplete",
          ts: 5
        })
        expect(yield* store.finishReply(reply)).toMatchObject({
          _tag: "Inserted",
          item: { seq: 1, status: "incomplete" }
        })
        expect((yield* store.append(reply))._tag).toBe("Duplicate")
      })
    )

    test(
      "markReplaced marks a finished reply, keeping its text and place; nothing else is marked",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "u1", ts: 100 }))
        yield* store.append(
          newItem({ messageId: "r1", role: "assistant", text: "First try", status: "completed", ts: 200 })
        )
        yield* startReply("r2", 300)
        expect(yield* store.markReplaced(session, MessageId.make("r1"))).toBe(true)
        // Marking again answers the same; a user message, a reply in progress, an unknown id or another
        // session's reply are not marked.
        expect(yield* store.markReplaced(session, MessageId.make("r1"))).toBe(true)
        expect(yield* store.markReplaced(session, MessageId.make("u1"))).toBe(false)
        expect(yield* store.markReplaced(session, MessageId.make("r2"))).toBe(false)
        expect(yield* store.markReplaced(session, MessageId.make("r9"))).toBe(false)
        expect(yield* store.markReplaced(SessionId.make("session-2"), MessageId.make("r1"))).toBe(false)

        const items = yield* store.lastN(session, 10)
        expect(items.map((item) => [item.messageId, item.text, item.seq, item.replaced])).toEqual([
          ["u1", "text of u1", 1, undefined],
          ["r1", "First try", 2, true],
          ["r2", "", 3, undefined]
        ])
        const page = yield* store.page(session, { order: "asc", limit: 10, after: Option.none() })
        expect(page.items[1]?.replaced).toBe(true)
        // The mark stays when the reply's write is repeated.
        const repeated = newItem({
          messageId: "r1",
          role: "assistant",
          text: "First try",
          status: "completed",
          ts: 200
        })
        expect((yield* store.finishReply(repeated))._tag).toBe("Duplicate")
        expect((yield* store.lastN(session, 10))[1]?.replaced).toBe(true)
      })
    )

    test(
      "saveReplyText saves the text of a reply in progress, and writes nothing once it is finished or gone",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "u1", ts: 100 }))
        yield* startReply("r1", 200)
        expect(yield* store.saveReplyText(progress("r1", "Partial", 10_000))).toBe(true)
        expect(yield* store.saveReplyText(progress("r1", "Partial reply", 10_000))).toBe(true)
        expect(yield* rows).toEqual([
          ["u1", "text of u1", undefined],
          ["r1", "Partial reply", "in_progress"]
        ])
        // Only a reply in progress: not a user message, an unknown id, nor the same id in another session.
        expect(yield* store.saveReplyText(progress("u1", "Overwritten", 10_000))).toBe(false)
        expect(yield* store.saveReplyText(progress("r9", "Invented", 10_000))).toBe(false)
        const elsewhere = progress("r1", "Elsewhere", 10_000, SessionId.make("session-2"))
        expect(yield* store.saveReplyText(elsewhere)).toBe(false)
        expect(yield* store.lastN(SessionId.make("session-2"), 10)).toEqual([])

        const final = newItem({ messageId: "r1", role: "assistant", text: "Full reply", status: "completed" })
        expect(yield* store.finishReply(final)).toMatchObject({ _tag: "Inserted", item: { seq: 2 } })
        expect(yield* store.saveReplyText(progress("r1", "Late save", 10_000))).toBe(false)
        expect((yield* rows)[1]).toEqual(["r1", "Full reply", "completed"])

        yield* startReply("r2", 300)
        yield* store.deleteSession(session)
        expect(yield* store.saveReplyText(progress("r2", "After deletion", 10_000))).toBe(false)
        expect(yield* store.lastN(session, 10)).toEqual([])
      })
    )

    test(
      "latestReply and reply read a reply as stored, with its lease while it is in progress",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        const read = (found: Option.Option<StoredReply>) =>
          Option.map(found, ({ item, leaseUntil }) => [item.messageId, item.text, item.status, leaseUntil])
        expect(yield* store.latestReply(session)).toEqual(Option.none())
        yield* appendAll([
          { messageId: "u1", ts: 100 },
          { messageId: "a1", role: "assistant", text: "Earlier reply", status: "completed", ts: 150 }
        ])
        yield* startReply("r1", 200)
        yield* store.append(newItem({ messageId: "u2", ts: 300 }))
        // The newest assistant message, not the newest message: the user's prompt after it does not hide it.
        expect(read(yield* store.latestReply(session))).toEqual(
          Option.some(["r1", "", "in_progress", Option.none()])
        )
        yield* store.saveReplyText(progress("r1", "Partial", 10_000))
        expect(read(yield* store.reply(session, MessageId.make("r1")))).toEqual(
          Option.some(["r1", "Partial", "in_progress", Option.some(10_000)])
        )
        expect(read(yield* store.reply(session, MessageId.make("a1")))).toEqual(
          Option.some(["a1", "Earlier reply", "completed", Option.none()])
        )
        // Any message of the session: the classifier finds where a user message stands with it.
        expect(read(yield* store.reply(session, MessageId.make("u2")))).toEqual(
          Option.some(["u2", "text of u2", undefined, Option.none()])
        )
        yield* store.finishReply(
          newItem({ messageId: "r1", role: "assistant", text: "Full", status: "completed" })
        )
        expect(read(yield* store.latestReply(session))).toEqual(
          Option.some(["r1", "Full", "completed", Option.none()])
        )
        expect(yield* store.reply(SessionId.make("session-2"), MessageId.make("r1"))).toEqual(Option.none())
        yield* store.deleteSession(session)
        expect(yield* store.reply(session, MessageId.make("r1"))).toEqual(Option.none())
        expect(yield* store.latestReply(session)).toEqual(Option.none())
      })
    )

    test(
      "finishAbandonedReplies finishes replies whose lease lapsed, incomplete with the text last saved",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* store.append(newItem({ messageId: "u1", ts: 100 }))
        yield* store.append(newItem({ messageId: "done", role: "assistant", status: "completed", ts: 150 }))
        yield* startReply("lapsed", 200)
        yield* startReply("renewed", 300)
        yield* startReply("unsaved", 400)
        yield* store.saveReplyText(progress("lapsed", "Saved text", 1_000))
        yield* store.saveReplyText(progress("renewed", "Renewed", 1_000))
        yield* store.saveReplyText(progress("renewed", "Renewed text", 5_000))

        // The reply never saved is not abandoned yet: it gets a lease until 3000.
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 2_000, unleasedUntil: 3_000 })).toBe(1)
        expect(yield* rows).toEqual([
          ["u1", "text of u1", undefined],
          ["done", "text of done", "completed"],
          ["lapsed", "Saved text", "incomplete"],
          ["renewed", "Renewed text", "in_progress"],
          ["unsaved", "", "in_progress"]
        ])
        // A finished reply takes no more saves; its stored item shows no lease.
        expect(yield* store.saveReplyText(progress("lapsed", "Too late", 9_000))).toBe(false)
        const [, , lapsed] = yield* store.lastN(session, 10)
        expect(Object.keys({ ...lapsed })).not.toContain("leaseUntil")

        // Its lease from the first sweep has lapsed by 4000; the renewed reply's has not.
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 4_000, unleasedUntil: 7_000 })).toBe(1)
        expect((yield* rows).slice(3)).toEqual([
          ["renewed", "Renewed text", "in_progress"],
          ["unsaved", "", "incomplete"]
        ])
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 6_000, unleasedUntil: 9_000 })).toBe(1)
        expect((yield* rows)[3]).toEqual(["renewed", "Renewed text", "incomplete"])
        expect(yield* store.finishAbandonedReplies({ leaseEndedBefore: 6_000, unleasedUntil: 9_000 })).toBe(0)
      })
    )

    test(
      "finishAbandonedReplies before every lease's end and with no lease to give finishes every reply in progress",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* startReply("saved", 100)
        yield* startReply("unsaved", 200)
        yield* store.saveReplyText(progress("saved", "Text so far", Number.MAX_SAFE_INTEGER - 1))
        const every = { leaseEndedBefore: Number.MAX_SAFE_INTEGER, unleasedUntil: 0 }
        expect(yield* store.finishAbandonedReplies(every)).toBe(2)
        expect(yield* rows).toEqual([
          ["saved", "Text so far", "incomplete"],
          ["unsaved", "", "incomplete"]
        ])
      })
    )

    test(
      "deleteSession removes that session only",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* appendAll([
          { messageId: "m1" },
          { messageId: "m2" },
          { messageId: "x1", sessionId: "session-2" }
        ])
        expect(yield* store.deleteSession(session)).toBe(2)
        expect(yield* store.lastN(session, 10)).toEqual([])
        expect(yield* store.lastN(SessionId.make("session-2"), 10)).toHaveLength(1)
        expect(yield* store.deleteSession(session)).toBe(0)
      })
    )

    test(
      "deleteOlderThan removes the items accepted before the cutoff, in every session and in batches, whatever their ts",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* TestClock.setTime(1_000)
        // Accepted at 1 000: a far-future ts (the latest the API allows) does not keep an item.
        yield* appendAll(
          Array.from({ length: 1_200 }, (_, i) => ({
            messageId: `old${i}`,
            ts: i % 2 === 0 ? MAX_TS : 20_000 + i,
            sessionId: `s${i % 7}`
          }))
        )
        yield* appendAll([{ messageId: "future", ts: MAX_TS }])
        yield* TestClock.setTime(10_000)
        // Accepted at 10 000: an epoch-zero ts does not make an item old.
        yield* appendAll([{ messageId: "new1", ts: 0 }])
        expect(yield* store.deleteOlderThan(5_000)).toBe(1_201)
        expect((yield* store.lastN(session, 10)).map((i) => i.messageId)).toEqual(["new1"])
        expect(yield* store.deleteOlderThan(5_000)).toBe(0)
      })
    )

    test(
      "a finished reply keeps the time its in-progress item was accepted",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* TestClock.setTime(1_000)
        yield* store.append(
          newItem({ messageId: "reply", role: "assistant", text: "Hel", status: "in_progress" })
        )
        yield* TestClock.setTime(10_000)
        yield* store.finishReply(
          newItem({ messageId: "reply", role: "assistant", text: "Hello", status: "completed" })
        )
        expect(yield* store.deleteOlderThan(5_000)).toBe(1)
        expect(yield* store.lastN(session, 10)).toEqual([])
      })
    )

    test(
      "refuses a deleted session's late reply: its in-progress row, its text and its finish",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* TestClock.setTime(2_000)
        yield* startReply("reply", 1_500)
        yield* store.deleteSession(session)
        expect(yield* store.saveReplyText(progress("reply", "late text", 9_000))).toBe(false)
        expect((yield* startReply("reply", 1_500))._tag).toBe("Deleted")
        const finished = yield* store.finishReply(
          newItem({ messageId: "reply", role: "assistant", text: "late", status: "incomplete", ts: 1_500 })
        )
        expect(finished._tag).toBe("Deleted")
        expect(yield* rows).toEqual([])
      })
    )

    test(
      "takes a reused session's new messages and replies, and forgets a tombstone with retention",
      Effect.gen(function* () {
        const store = yield* TranscriptStore
        yield* TestClock.setTime(2_000)
        yield* store.deleteSession(session)
        yield* TestClock.setTime(2_600)
        yield* appendAll([{ messageId: "again", ts: 1_000 }])
        expect((yield* startReply("new-reply", 2_500))._tag).toBe("Inserted")
        const late = newItem({
          messageId: "late",
          role: "assistant",
          text: "late",
          status: "completed",
          ts: 1_500
        })
        expect((yield* store.finishReply(late))._tag).toBe("Deleted")
        expect(yield* store.deleteOlderThan(2_500)).toBe(0)
        expect((yield* store.finishReply(late))._tag).toBe("Inserted")
        expect((yield* rows).map(([messageId]) => messageId)).toEqual(["again", "late", "new-reply"])
      })
    )

    test(
      "ping answers when the store is up",
      Effect.flatMap(TranscriptStore, (store) => store.ping)
    )
  })
