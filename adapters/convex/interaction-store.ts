import { Clock, Effect, Layer, Redacted, Schema } from "effect"
import { InteractionStore } from "../../application/ports/interaction-store.ts"
import { drainBatches } from "../../application/ports/store-calls.ts"
import { MessageId, SessionId } from "../../domain/ids.ts"
import {
  InteractionCommit,
  InteractionGroup,
  MessageClassification,
  OutOfOrder,
  SessionInteraction
} from "../../domain/interaction-group.ts"
import { call, callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const encodeCommit = Schema.encodeSync(InteractionCommit)
const decodeClassification = Schema.decodeUnknownSync(Schema.OptionFromNullOr(MessageClassification))
const decodeInteraction = Schema.decodeUnknownSync(
  Schema.Struct({ version: Schema.Number, state: SessionInteraction })
)
const decodeGroups = Schema.decodeUnknownSync(Schema.Array(InteractionGroup))
const decodeMessageIds = Schema.decodeUnknownSync(Schema.Array(MessageId))
const decodeSessionIds = Schema.decodeUnknownSync(Schema.Array(SessionId))
const decodeCommitResult = Schema.decodeUnknownSync(
  Schema.Union(Schema.Literal("committed", "stale", "duplicate", "deleted"), OutOfOrder)
)

/** `InteractionStore` on Convex: each commit is one serializable mutation. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return InteractionStore.of({
    classificationOf: (sessionId, messageId) =>
      callDecoded("classification_of", decodeClassification, () =>
        caller.query(api.interactions.classificationOf, { secret, sessionId, messageId })
      ),
    interaction: (sessionId) =>
      callDecoded("interaction", decodeInteraction, () =>
        caller.query(api.interactions.interaction, { secret, sessionId })
      ),
    commit: (commit) =>
      callDecoded("interaction_commit", decodeCommitResult, () => {
        const { effects, ...request } = encodeCommit(commit)
        return caller.mutation(api.interactions.commit, { secret, ...request, effects: [...effects] })
      }),
    groups: (sessionId) =>
      callDecoded("groups", decodeGroups, () => caller.query(api.interactions.groups, { secret, sessionId })),
    groupMessages: (groupId) =>
      callDecoded("group_messages", decodeMessageIds, () =>
        caller.query(api.interactions.groupMessages, { secret, groupId })
      ),
    idleSessions: (before) =>
      callDecoded("idle_sessions", decodeSessionIds, () =>
        caller.query(api.interactions.idleSessions, { secret, before })
      ),
    deleteOlderThan: (cutoff) =>
      drainBatches(
        call("interaction_delete_older_than", () =>
          caller.mutation(api.interactions.deleteOlderThanBatch, { secret, cutoff })
        )
      ),
    deleteSession: (sessionId) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        Effect.asVoid(
          drainBatches(
            call("interaction_delete_session", () =>
              caller.mutation(api.interactions.deleteSessionBatch, { secret, sessionId, now })
            )
          )
        )
      )
  })
})

export const layer = Layer.effect(InteractionStore, make)
