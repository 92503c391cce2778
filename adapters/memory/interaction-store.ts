import { Clock, Effect, Layer, Option, Schema } from "effect"
import { InteractionStore } from "../../application/ports/interaction-store.ts"
import { MessageId, SessionId } from "../../domain/ids.ts"
import {
  checksOrder,
  type ClassificationRow,
  type GroupRow,
  groupsNamedBy,
  type InteractionWrites,
  isRefusal,
  planInteractionCommit
} from "../../domain/interaction-commit.ts"
import {
  InteractionCommit,
  InteractionGroup,
  MessageClassification,
  OutOfOrder,
  SessionInteraction
} from "../../domain/interaction-group.ts"
import { AssessmentJobTable, deleteWhere } from "./assessment-queue.ts"
import { SessionTombstones } from "./session-tombstones.ts"
import { StoredTranscripts } from "./transcript-store.ts"

const encodeCommit = Schema.encodeSync(InteractionCommit)
const decodeClassification = Schema.decodeUnknownSync(MessageClassification)
const decodeGroup = Schema.decodeUnknownSync(InteractionGroup)
const decodeState = Schema.decodeUnknownSync(SessionInteraction)
const decodeMessageIds = Schema.decodeUnknownSync(Schema.Array(MessageId))
const decodeSessionIds = Schema.decodeUnknownSync(Schema.Array(SessionId))
const decodeOutOfOrder = Schema.decodeSync(OutOfOrder)

/** Interaction state in process memory, kept as the rows a durable store writes: the `test` deployment's store. */
export const make = Effect.gen(function* () {
  const jobTable = yield* AssessmentJobTable
  const tombstones = yield* SessionTombstones
  const transcripts = yield* StoredTranscripts
  const sessions = new Map<string, InteractionWrites["session"]>()
  /** Keyed by session, then message id: message ids are unique per session. */
  const classifications = new Map<string, Map<string, ClassificationRow>>()
  const classificationRow = (sessionId: string, messageId: string) =>
    classifications.get(sessionId)?.get(messageId)
  const groups = new Map<string, GroupRow>()

  const write = (writes: InteractionWrites) => {
    sessions.set(writes.session.sessionId, writes.session)
    const classification = writes.classification
    if (classification !== undefined) {
      const ofSession = classifications.get(classification.sessionId) ?? new Map<string, ClassificationRow>()
      classifications.set(classification.sessionId, ofSession.set(classification.messageId, classification))
    }
    for (const group of writes.insertGroups) groups.set(group.groupId, group)
    for (const { groupId, changes } of writes.updateGroups)
      groups.set(groupId, { ...groups.get(groupId)!, ...changes })
    for (const job of writes.queueJobs) jobTable.queue(job)
  }

  return InteractionStore.of({
    classificationOf: (sessionId, messageId) =>
      Effect.sync(() =>
        Option.map(Option.fromNullable(classificationRow(sessionId, messageId)), decodeClassification)
      ),
    interaction: (sessionId) =>
      Effect.sync(() => {
        const row = sessions.get(sessionId)
        return { state: decodeState(row ?? {}), version: row?.version ?? 0 }
      }),
    commit: (commit) =>
      Effect.sync(() => {
        const request = encodeCommit(commit)
        const named = groupsNamedBy(request)
        const previous =
          Option.isSome(commit.classification) && checksOrder(request)
            ? transcripts.previousUserMessage(commit.sessionId, commit.classification.value.messageId)
            : undefined
        const writes = planInteractionCommit(request, {
          version: sessions.get(request.sessionId)?.version ?? 0,
          classified:
            request.classification !== undefined &&
            classificationRow(request.sessionId, request.classification.messageId) !== undefined,
          groups: named.filter((groupId) => groups.has(groupId)),
          queued: named.filter((groupId) => jobTable.jobs.has(groupId)),
          deletedAt: tombstones.deletedAt(request.sessionId),
          predecessor:
            previous === undefined
              ? undefined
              : {
                  messageId: previous.messageId,
                  acceptedAt: previous.acceptedAt,
                  classified: classificationRow(request.sessionId, previous.messageId) !== undefined
                }
        })
        if (isRefusal(writes)) return typeof writes === "string" ? writes : decodeOutOfOrder(writes)
        write(writes)
        return "committed" as const
      }),
    groups: (sessionId) =>
      Effect.sync(() =>
        [...groups.values()]
          .filter((group) => group.sessionId === sessionId)
          .sort((a, b) => a.openedAt - b.openedAt)
          .map((group) => decodeGroup(group))
      ),
    groupMessages: (groupId) =>
      Effect.sync(() =>
        decodeMessageIds(
          [...classifications.values()]
            .flatMap((ofSession) => [...ofSession.values()])
            .filter((classification) => classification.groupId === groupId)
            .sort((a, b) => a.at - b.at)
            .map((classification) => classification.messageId)
        )
      ),
    idleSessions: (before) =>
      Effect.sync(() =>
        decodeSessionIds(
          [...sessions.values()]
            .filter((session) => session.open !== undefined && session.open.lastActivityAt < before)
            .map((session) => session.sessionId)
        )
      ),
    deleteOlderThan: (cutoff) =>
      Effect.sync(() => {
        let deleted = 0
        for (const [sessionId, ofSession] of classifications) {
          deleted += deleteWhere(ofSession, (row) => row.at < cutoff)
          if (ofSession.size === 0) classifications.delete(sessionId)
        }
        deleted += deleteWhere(
          groups,
          (group) => group.status === "closed" && group.closedAt !== undefined && group.closedAt < cutoff
        )
        return deleted + jobTable.deleteOlderThan(cutoff)
      }),
    deleteSession: (sessionId) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        tombstones.record(sessionId, now)
        sessions.delete(sessionId)
        classifications.delete(sessionId)
        for (const [id, group] of groups) if (group.sessionId === sessionId) groups.delete(id)
        jobTable.deleteSession(sessionId)
      })
  })
})

/**
 * Needs the `AssessmentJobTable` it queues into, shared with the memory `AssessmentQueue`, the
 * `SessionTombstones` and the `StoredTranscripts` it reads the order of messages from.
 */
export const layer = Layer.effect(InteractionStore, make)
