import { Effect, Layer, Option } from "effect"
import {
  type InteractionGroup,
  InteractionStore,
  type MessageClassification
} from "../../application/ports/interaction-store.ts"
import type { SessionId } from "../../domain/ids.ts"
import { AssessmentJobTable } from "./assessment-queue.ts"
import { noInteraction, type SessionInteraction } from "../../domain/interaction-group.ts"

/** Interaction state in process memory: the `test` deployment's store. */
export const make = Effect.gen(function* () {
  const jobTable = yield* AssessmentJobTable
  const sessions = new Map<SessionId, { state: SessionInteraction; version: number }>()
  const classifications = new Map<string, MessageClassification>()
  const groups = new Map<string, InteractionGroup>()

  return InteractionStore.of({
    classificationOf: (messageId) => Effect.sync(() => Option.fromNullable(classifications.get(messageId))),
    interaction: (sessionId) =>
      Effect.sync(() => sessions.get(sessionId) ?? { state: noInteraction, version: 0 }),
    commit: (commit) =>
      Effect.sync(() => {
        const current = sessions.get(commit.sessionId)?.version ?? 0
        if (
          Option.isSome(commit.classification) &&
          classifications.has(commit.classification.value.messageId)
        ) {
          return "duplicate" as const
        }
        if (current !== commit.expectedVersion) return "stale" as const
        sessions.set(commit.sessionId, { state: commit.state, version: current + 1 })
        if (Option.isSome(commit.classification)) {
          classifications.set(commit.classification.value.messageId, commit.classification.value)
        }
        for (const effect of commit.effects) {
          const existing = groups.get(effect.groupId)
          switch (effect._tag) {
            case "Opened":
              groups.set(effect.groupId, {
                groupId: effect.groupId,
                sessionId: commit.sessionId,
                status: "open",
                openedAt: commit.at,
                closedAt: Option.none(),
                closeReason: Option.none(),
                messages: 1,
                assessmentRequested: false
              })
              break
            case "Closed":
              if (existing !== undefined) {
                groups.set(effect.groupId, {
                  ...existing,
                  status: "closed",
                  closedAt: Option.some(commit.at),
                  closeReason: Option.some(effect.reason),
                  messages: effect.messages
                })
              }
              break
            case "AssessmentRequested":
              if (existing !== undefined) {
                groups.set(effect.groupId, { ...groups.get(effect.groupId)!, assessmentRequested: true })
                jobTable.queue(effect.groupId, commit.sessionId, commit.at, commit.requestId)
              }
              break
          }
        }
        // An open group's message count lives in the session state.
        Option.map(commit.state.open, (open) => {
          const group = groups.get(open.groupId)
          if (group !== undefined) groups.set(open.groupId, { ...group, messages: open.messages })
        })
        return "committed" as const
      }),
    groups: (sessionId) =>
      Effect.sync(() =>
        [...groups.values()]
          .filter((group) => group.sessionId === sessionId)
          .sort((a, b) => a.openedAt - b.openedAt)
      ),
    groupMessages: (groupId) =>
      Effect.sync(() =>
        [...classifications.values()]
          .filter((classification) => Option.contains(classification.groupId, groupId))
          .sort((a, b) => a.at - b.at)
          .map((classification) => classification.messageId)
      ),
    idleSessions: (before) =>
      Effect.sync(() =>
        [...sessions.entries()]
          .filter(([, { state }]) => Option.exists(state.open, (open) => open.lastActivityAt < before))
          .map(([sessionId]) => sessionId)
      ),
    deleteSession: (sessionId) =>
      Effect.sync(() => {
        sessions.delete(sessionId)
        for (const [id, classification] of classifications)
          if (classification.sessionId === sessionId) classifications.delete(id)
        for (const [id, group] of groups) if (group.sessionId === sessionId) groups.delete(id)
        jobTable.deleteSession(sessionId)
      })
  })
})

/** Needs the `AssessmentJobTable` it queues into, shared with the memory `AssessmentQueue`. */
export const layer = Layer.effect(InteractionStore, make)
