import { Effect, Layer, Option, Redacted } from "effect"
import { InteractionStore, type MessageClassification } from "../../application/ports/interaction-store.ts"
import type { BoundaryDecision } from "../../domain/boundary.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import { noInteraction } from "../../domain/interaction-group.ts"
import { call, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

interface ClassificationDoc {
  readonly messageId: string
  readonly sessionId: string
  readonly decision: BoundaryDecision
  readonly applied: BoundaryDecision
  readonly confidence: number
  readonly groupId?: string
  readonly at: number
}

const toClassification = (doc: ClassificationDoc): MessageClassification => ({
  ...doc,
  messageId: doc.messageId as MessageId,
  sessionId: doc.sessionId as SessionId,
  groupId: Option.fromNullable(doc.groupId as GroupId | undefined)
})

/** `InteractionStore` on Convex: each commit is one serializable mutation. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return InteractionStore.of({
    classificationOf: (messageId) =>
      Effect.map(
        call("classification_of", () =>
          caller.query(api.interactions.classificationOf, { secret, messageId })
        ),
        (doc) => Option.map(Option.fromNullable(doc), toClassification)
      ),
    interaction: (sessionId) =>
      Effect.map(
        call("interaction", () => caller.query(api.interactions.interaction, { secret, sessionId })),
        (row) =>
          row.open === null
            ? { state: noInteraction, version: row.version }
            : {
                state: { open: Option.some({ ...row.open, groupId: row.open.groupId as GroupId }) },
                version: row.version
              }
      ),
    commit: (commit) =>
      call("interaction_commit", () =>
        caller.mutation(api.interactions.commit, {
          secret,
          sessionId: commit.sessionId,
          expectedVersion: commit.expectedVersion,
          at: commit.at,
          effects: commit.effects.map((effect) => ({ ...effect })),
          ...Option.match(commit.requestId, { onNone: () => ({}), onSome: (requestId) => ({ requestId }) }),
          ...Option.match(commit.state.open, { onNone: () => ({}), onSome: (open) => ({ open }) }),
          ...Option.match(commit.classification, {
            onNone: () => ({}),
            onSome: ({ groupId, ...classification }) => ({
              classification: {
                ...classification,
                ...Option.match(groupId, { onNone: () => ({}), onSome: (id) => ({ groupId: id }) })
              }
            })
          })
        })
      ),
    groups: (sessionId) =>
      Effect.map(
        call("groups", () => caller.query(api.interactions.groups, { secret, sessionId })),
        (rows) =>
          rows.map((row) => ({
            groupId: row.groupId as GroupId,
            sessionId: row.sessionId as SessionId,
            status: row.status,
            openedAt: row.openedAt,
            closedAt: Option.fromNullable(row.closedAt),
            closeReason: Option.fromNullable(row.closeReason),
            messages: row.messages,
            assessmentRequested: row.assessmentRequested
          }))
      ),
    groupMessages: (groupId) =>
      Effect.map(
        call("group_messages", () => caller.query(api.interactions.groupMessages, { secret, groupId })),
        (ids) => ids.map((id) => id as MessageId)
      ),
    idleSessions: (before) =>
      Effect.map(
        call("idle_sessions", () => caller.query(api.interactions.idleSessions, { secret, before })),
        (ids) => ids.map((id) => id as SessionId)
      ),
    deleteSession: (sessionId) =>
      Effect.iterate(true, {
        while: (more) => more,
        body: () =>
          Effect.map(
            call("interaction_delete_session", () =>
              caller.mutation(api.interactions.deleteSessionBatch, { secret, sessionId })
            ),
            (result) => result.more
          )
      }).pipe(Effect.asVoid)
  })
})

export const layer = Layer.effect(InteractionStore, make)
