import { describe, expect, it } from "@effect/vitest"
import { Effect, type Layer, Option, TestClock } from "effect"
import {
  type InteractionCommit,
  InteractionStore,
  type MessageClassification
} from "../../application/ports/interaction-store.ts"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import { GroupEffect, noInteraction, type SessionInteraction } from "../../domain/interaction-group.ts"
import { classificationOnly, newItem } from "../support/items.ts"

const session = SessionId.make("session-1")
const group = GroupId.make("group-1")
const open = (lastActivityAt: number, messages = 1): SessionInteraction => ({
  open: Option.some({ groupId: group, openedAt: 100, lastActivityAt, messages })
})
const classified = (
  messageId: string,
  fields: Partial<MessageClassification> = {}
): MessageClassification => ({
  messageId: MessageId.make(messageId),
  sessionId: session,
  decision: "start",
  applied: "start",
  confidence: 0.9,
  groupId: Option.some(group),
  at: 100,
  ...fields
})

/** The first transition of a session: message m1 opens the group. */
const opening: InteractionCommit = {
  sessionId: session,
  expectedVersion: 0,
  state: open(100),
  classification: Option.some(classified("m1")),
  effects: [GroupEffect.Opened({ groupId: group })],
  at: 100,
  requestId: Option.some("request-1")
}

/** The `InteractionStore` contract, run on every adapter with a fresh store per test. */
export const interactionStoreContract = (
  name: string,
  makeLayer: () => Layer.Layer<InteractionStore | TranscriptStore, unknown>
) =>
  describe(`InteractionStore contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, unknown, InteractionStore | TranscriptStore>) =>
      it.effect(title, () => Effect.provide(body, makeLayer()))

    test(
      "a new session has no interaction, at version 0",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        expect(yield* store.interaction(session)).toEqual({ state: noInteraction, version: 0 })
        expect(yield* store.groups(session)).toEqual([])
        expect(yield* store.classificationOf(session, MessageId.make("m1"))).toEqual(Option.none())
      })
    )

    test(
      "commits a transition whole: state, classification and groups",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        const first = yield* store.commit(opening)
        expect(first).toBe("committed")
        expect(yield* store.interaction(session)).toEqual({ state: open(100), version: 1 })
        expect(yield* store.classificationOf(session, MessageId.make("m1"))).toEqual(
          Option.some(classified("m1"))
        )
        yield* store.commit({
          sessionId: session,
          expectedVersion: 1,
          state: open(150, 2),
          classification: Option.some(
            classified("m2", { decision: "continue", applied: "continue", at: 150 })
          ),
          effects: [],
          at: 150,
          requestId: Option.none()
        })
        yield* store.commit({
          sessionId: session,
          expectedVersion: 2,
          state: noInteraction,
          classification: Option.some(classified("m3", { decision: "end", applied: "end", at: 200 })),
          effects: [
            GroupEffect.Closed({ groupId: group, reason: "ended", messages: 3 }),
            GroupEffect.AssessmentRequested({ groupId: group })
          ],
          at: 200,
          requestId: Option.none()
        })
        expect(yield* store.groups(session)).toEqual([
          {
            groupId: group,
            sessionId: session,
            status: "closed",
            openedAt: 100,
            closedAt: Option.some(200),
            closeReason: Option.some("ended"),
            messages: 3,
            assessmentRequested: true
          }
        ])
        expect(yield* store.groupMessages(group)).toEqual(["m1", "m2", "m3"].map((id) => MessageId.make(id)))
      })
    )

    test(
      "refuses a commit against an older version, and a second classification of one message",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        const commit = opening
        expect(yield* store.commit(commit)).toBe("committed")
        expect(yield* store.commit({ ...commit, classification: Option.some(classified("m2")) })).toBe(
          "stale"
        )
        expect(yield* store.commit({ ...commit, expectedVersion: 1 })).toBe("duplicate")
        expect((yield* store.groups(session)).length).toBe(1)
        expect((yield* store.interaction(session)).version).toBe(1)
      })
    )

    test(
      "message ids are unique per session: the same id is classified again in another session",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        const other = SessionId.make("session-2")
        const otherGroup = GroupId.make("group-2")
        yield* store.commit(opening)
        expect(yield* store.classificationOf(other, MessageId.make("m1"))).toEqual(Option.none())
        const inOther = classified("m1", { sessionId: other, groupId: Option.some(otherGroup) })
        expect(
          yield* store.commit({
            ...opening,
            sessionId: other,
            state: {
              open: Option.some({ groupId: otherGroup, openedAt: 100, lastActivityAt: 100, messages: 1 })
            },
            classification: Option.some(inOther),
            effects: [GroupEffect.Opened({ groupId: otherGroup })]
          })
        ).toBe("committed")
        expect(yield* store.classificationOf(other, MessageId.make("m1"))).toEqual(Option.some(inOther))
        expect(yield* store.classificationOf(session, MessageId.make("m1"))).toEqual(
          Option.some(classified("m1"))
        )
        yield* store.deleteSession(session)
        expect(yield* store.classificationOf(other, MessageId.make("m1"))).toEqual(Option.some(inOther))
        expect(yield* store.groupMessages(otherGroup)).toEqual([MessageId.make("m1")])
      })
    )

    test(
      "lists sessions whose open group is idle, and forgets a deleted session",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        yield* store.commit(opening)
        expect(yield* store.idleSessions(100)).toEqual([])
        expect(yield* store.idleSessions(101)).toEqual([session])
        yield* store.deleteSession(session)
        expect(yield* store.idleSessions(1_000)).toEqual([])
        expect(yield* store.groups(session)).toEqual([])
        expect(yield* store.classificationOf(session, MessageId.make("m1"))).toEqual(Option.none())
      })
    )

    test(
      "applies a session's classifications in the order the transcript store took its messages",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        const transcripts = yield* TranscriptStore
        const ingest = (messageId: string, role: "user" | "assistant", at: number) =>
          Effect.zipRight(TestClock.setTime(at), transcripts.append(newItem({ messageId, role })))
        yield* ingest("u1", "user", 1_000)
        yield* ingest("a1", "assistant", 1_100)
        yield* ingest("u2", "user", 1_200)
        yield* ingest("u3", "user", 1_300)
        const classify = (messageId: string, expectedVersion: number, skipsPredecessor?: boolean) =>
          store.commit({
            ...classificationOnly("session-1", messageId, 2_000, expectedVersion),
            ...(skipsPredecessor === undefined ? {} : { skipsPredecessor })
          })
        // u2 waits for u1, the user message before it; the assistant's reply between them is not classified.
        expect(yield* classify("u2", 0)).toEqual({
          _tag: "OutOfOrder",
          predecessor: MessageId.make("u1"),
          predecessorAcceptedAt: 1_000
        })
        expect(yield* store.classificationOf(session, MessageId.make("u2"))).toEqual(Option.none())
        expect(yield* classify("u1", 0)).toBe("committed")
        expect(yield* classify("u2", 1)).toBe("committed")
        // A message the transcript does not hold (an opted-out session's) waits for nothing.
        expect(yield* classify("unstored", 2)).toBe("committed")
        expect(yield* classify("u2", 3)).toBe("duplicate")
        expect(yield* classify("u3", 3)).toBe("committed")
      })
    )

    test(
      "takes a classification that skips its predecessor, which is then applied when it comes",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        const transcripts = yield* TranscriptStore
        yield* transcripts.append(newItem({ messageId: "u1" }))
        yield* transcripts.append(newItem({ messageId: "u2" }))
        expect(
          yield* store.commit({ ...classificationOnly("session-1", "u2", 2_000, 0), skipsPredecessor: true })
        ).toBe("committed")
        expect(yield* store.commit(classificationOnly("session-1", "u1", 2_100, 1))).toBe("committed")
        expect((yield* store.interaction(session)).version).toBe(2)
      })
    )

    test(
      "refuses a commit of work begun before the session's deletion, and takes work begun after it",
      Effect.gen(function* () {
        const store = yield* InteractionStore
        yield* TestClock.setTime(1_000)
        yield* store.deleteSession(session)
        expect(yield* store.commit({ ...opening, at: 1_200, begunAt: 900 })).toBe("deleted")
        expect(yield* store.commit({ ...opening, at: 1_000 })).toBe("deleted")
        expect(yield* store.interaction(session)).toEqual({ state: noInteraction, version: 0 })
        expect(yield* store.classificationOf(session, MessageId.make("m1"))).toEqual(Option.none())
        expect(yield* store.commit({ ...opening, at: 1_200, begunAt: 1_100 })).toBe("committed")
        expect(yield* store.groups(session)).toHaveLength(1)
      })
    )
  })
