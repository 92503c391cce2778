import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, TestClock } from "effect"
import { SessionOwners, type SessionListPosition } from "../../application/ports/session-owners.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { SessionId, UserId } from "../../domain/ids.ts"
import { newItem } from "../support/items.ts"

/** A time after any store's clock, so a message's ts is its session's last activity on every adapter. */
const LATER = 4_000_000_000_000

/**
 * The `SessionOwners` contract, run on every adapter with a fresh store per test; the summaries in
 * the list are the transcript store's, so both come from one layer.
 */
export const sessionOwnersContract = (
  name: string,
  makeLayer: () => Layer.Layer<SessionOwners | TranscriptStore, unknown>
) =>
  describe(`SessionOwners contract: ${name}`, () => {
    const session = SessionId.make("session-1")
    const userA = UserId.make("user-a")
    const userB = UserId.make("user-b")

    /** Every session of `owner`, page after page of `limit`. */
    const listAll = (owner: UserId, limit: number) =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const pages: Array<ReadonlyArray<string>> = []
        let after = Option.none<SessionListPosition>()
        do {
          const page = yield* owners.sessionsOf(owner, { limit, after })
          pages.push(page.sessions.map((listed) => listed.sessionId))
          after = page.next
        } while (Option.isSome(after))
        return pages
      })

    it.effect("a session nobody wrote to has no owner", () =>
      Effect.gen(function* () {
        expect(yield* (yield* SessionOwners).ownerOf(session)).toEqual(Option.none())
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect(
      "a message kept only in memory counts in the summary, with its activity and no title, beside the stored ones",
      () =>
        Effect.gen(function* () {
          const owners = yield* SessionOwners
          const store = yield* TranscriptStore
          expect(yield* owners.messageCountOf(session)).toBe(0)
          // No owner yet: nothing to count in.
          yield* owners.countUnstored(session, LATER)
          expect(yield* owners.messageCountOf(session)).toBe(0)
          yield* owners.claim(session, userA)
          yield* store.append(
            newItem({ sessionId: session, messageId: "m1", text: "Stored first", ts: LATER })
          )
          yield* owners.countUnstored(session, LATER + 10)
          yield* owners.countUnstored(session, LATER + 5)
          expect(yield* owners.messageCountOf(session)).toBe(3)
          const { sessions } = yield* owners.sessionsOf(userA, { limit: 10, after: Option.none() })
          expect(sessions).toMatchObject([
            {
              sessionId: session,
              messageCount: 3,
              lastActivityAt: LATER + 10,
              title: Option.some("Stored first")
            }
          ])
          // Deleting the session forgets the messages only counted too: nothing left to miss.
          yield* store.deleteSession(session)
          expect(yield* owners.messageCountOf(session)).toBe(0)
          yield* owners.countUnstored(session, LATER + 20)
          expect(yield* owners.messageCountOf(session)).toBe(1)
        }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("the first writer owns the session for good; a later writer finds the owner it has", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        expect(yield* owners.claim(session, userA)).toBe(userA)
        expect(yield* owners.claim(session, userB)).toBe(userA)
        expect(yield* owners.claim(session, userA)).toBe(userA)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(userA))
        expect(yield* owners.claim(SessionId.make("session-2"), userB)).toBe(userB)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(userA))
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("of claims racing for one session, exactly one writer wins and every claim says which", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const writers = Array.from({ length: 8 }, (_, index) => UserId.make(`user-${index}`))
        const answers = yield* Effect.forEach(writers, (writer) => owners.claim(session, writer), {
          concurrency: "unbounded"
        })
        expect(new Set(answers).size).toBe(1)
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(answers[0]))
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("lists only the owner's sessions, newest activity first, page after page", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const store = yield* TranscriptStore
        // s3 and s4 share their last activity: the session id, descending, breaks the tie.
        const activity = { s1: 10, s2: 40, s3: 20, s4: 20, s5: 30 }
        for (const [sessionId, at] of Object.entries(activity)) {
          yield* owners.claim(SessionId.make(sessionId), userA)
          yield* store.append(newItem({ sessionId, messageId: "m1", ts: LATER + at }))
        }
        yield* owners.claim(SessionId.make("b1"), userB)
        yield* store.append(newItem({ sessionId: "b1", messageId: "m1", ts: LATER + 50 }))

        expect(yield* listAll(userA, 2)).toEqual([["s2", "s5"], ["s4", "s3"], ["s1"]])
        expect(yield* listAll(userA, 5)).toEqual([["s2", "s5", "s4", "s3", "s1"]])
        expect(yield* listAll(userB, 100)).toEqual([["b1"]])
        expect(yield* listAll(UserId.make("nobody"), 10)).toEqual([[]])
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("a session's summary follows its writes: count, last activity and title", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const store = yield* TranscriptStore
        yield* owners.claim(session, userA)
        const [created] = (yield* owners.sessionsOf(userA, { limit: 10, after: Option.none() })).sessions
        expect(created).toMatchObject({ sessionId: session, messageCount: 0, title: Option.none() })
        expect(created!.lastActivityAt).toBe(created!.createdAt)

        const write = (fields: Parameters<typeof newItem>[0]) => store.append(newItem(fields))
        yield* write({ messageId: "a0", role: "assistant", text: "Welcome back", ts: LATER + 1 })
        yield* write({ messageId: "u0", text: "   \n ", ts: LATER + 2 })
        yield* write({ messageId: "u1", text: `  Help me   with\n${"a".repeat(100)} `, ts: LATER + 5 })
        yield* write({ messageId: "u1", text: `  Help me   with\n${"a".repeat(100)} `, ts: LATER + 5 })
        yield* write({ messageId: "u2", text: "A later question", ts: LATER + 3 })
        yield* store.append(
          newItem({ messageId: "r1", role: "assistant", text: "", status: "in_progress", ts: LATER + 6 })
        )
        yield* store.finishReply(newItem({ messageId: "r1", role: "assistant", text: "Done", ts: LATER + 6 }))

        const [summary] = (yield* owners.sessionsOf(userA, { limit: 10, after: Option.none() })).sessions
        const title = `Help me with ${"a".repeat(66)}…`
        expect(summary).toEqual({
          ...created,
          messageCount: 5,
          lastActivityAt: LATER + 6,
          title: Option.some(title)
        })
        expect(Array.from(title).length).toBe(80)
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("deleting messages recounts the summary and retitles it from what is left", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        const store = yield* TranscriptStore
        const other = SessionId.make("session-2")
        yield* owners.claim(session, userA)
        yield* owners.claim(other, userA)
        // Retention goes by when the store accepted a message: u1 at 1 000, the rest at 10 000.
        yield* TestClock.setTime(1_000)
        yield* store.append(newItem({ messageId: "u1", text: "First question", ts: LATER + 1 }))
        yield* TestClock.setTime(10_000)
        yield* store.append(newItem({ messageId: "u2", text: "Second question", ts: LATER + 2 }))
        yield* store.append(newItem({ sessionId: other, messageId: "u1", text: "Other", ts: LATER + 3 }))

        expect(yield* store.deleteOlderThan(5_000)).toBe(1)
        const listed = () =>
          Effect.map(owners.sessionsOf(userA, { limit: 10, after: Option.none() }), (page) =>
            page.sessions.map(({ sessionId, messageCount, title, lastActivityAt }) => ({
              sessionId,
              messageCount,
              title: Option.getOrNull(title),
              lastActivityAt
            }))
          )
        expect(yield* listed()).toEqual([
          { sessionId: other, messageCount: 1, title: "Other", lastActivityAt: LATER + 3 },
          { sessionId: session, messageCount: 1, title: "Second question", lastActivityAt: LATER + 2 }
        ])

        yield* store.deleteSession(session)
        expect(yield* listed()).toEqual([
          { sessionId: other, messageCount: 1, title: "Other", lastActivityAt: LATER + 3 },
          { sessionId: session, messageCount: 0, title: null, lastActivityAt: LATER + 2 }
        ])
        expect(yield* owners.ownerOf(session)).toEqual(Option.some(userA))
      }).pipe(Effect.provide(makeLayer()))
    )

    it.effect("a released session has no owner and is listed no more; anyone may write to it again", () =>
      Effect.gen(function* () {
        const owners = yield* SessionOwners
        yield* owners.claim(session, userA)
        yield* owners.claim(SessionId.make("session-2"), userA)
        yield* owners.release(session)
        expect(yield* owners.ownerOf(session)).toEqual(Option.none())
        expect(yield* listAll(userA, 10)).toEqual([["session-2"]])
        expect(yield* owners.claim(session, userB)).toBe(userB)
        yield* owners.release(SessionId.make("never-claimed"))
      }).pipe(Effect.provide(makeLayer()))
    )
  })
