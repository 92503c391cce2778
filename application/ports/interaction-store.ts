import { Context, type Effect, type Option } from "effect"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import type {
  InteractionCommit,
  InteractionGroup,
  MessageClassification,
  OutOfOrder,
  SessionInteraction
} from "../../domain/interaction-group.ts"

export type { InteractionCommit, InteractionGroup, MessageClassification, OutOfOrder }

/** What a commit did: landed whole, or why it wrote nothing. */
export type CommitResult = "committed" | "stale" | "duplicate" | "deleted" | OutOfOrder

export interface VersionedInteraction {
  readonly state: SessionInteraction
  /** Bumped by every commit; a commit against an older version is refused. */
  readonly version: number
}

/**
 * Interaction state per session, with its groups and the classification of each user message.
 * Commits are atomic and optimistic: one transition lands whole, or not at all when the session
 * moved on meanwhile (`stale`), the message was already classified (`duplicate`) or the session was
 * deleted since the commit's work began (`deleted`: the store keeps a tombstone of each deletion).
 * A classification is applied in the order the transcript store took the session's messages (their
 * `seq`), whichever process runs it: the commit of a stored message whose previous user message is
 * not classified yet is refused (`OutOfOrder`) unless it `skipsPredecessor`; a message the store has
 * not taken (an opted-out session's, one waiting in the outbox) is not ordered. A commit whose
 * effects ask for a group's assessment queues that job (see `AssessmentQueue`) in the same
 * transaction, once per group: no closed group is left unqueued, none is queued twice.
 */
export class InteractionStore extends Context.Tag("coachup/InteractionStore")<
  InteractionStore,
  {
    /** The classification of a message of the session (message ids are unique per session). */
    readonly classificationOf: (
      sessionId: SessionId,
      messageId: MessageId
    ) => Effect.Effect<Option.Option<MessageClassification>, StoreUnavailable>
    readonly interaction: (sessionId: SessionId) => Effect.Effect<VersionedInteraction, StoreUnavailable>
    readonly commit: (commit: InteractionCommit) => Effect.Effect<CommitResult, StoreUnavailable>
    /** The session's groups, oldest first. */
    readonly groups: (
      sessionId: SessionId
    ) => Effect.Effect<ReadonlyArray<InteractionGroup>, StoreUnavailable>
    /** The user messages classified into a group, in the order they were classified. */
    readonly groupMessages: (groupId: GroupId) => Effect.Effect<ReadonlyArray<MessageId>, StoreUnavailable>
    /** Sessions whose open group has seen no message since `before` (ms since epoch). */
    readonly idleSessions: (before: number) => Effect.Effect<ReadonlyArray<SessionId>, StoreUnavailable>
    /**
     * Retention: removes what was recorded before the cutoff (ms since epoch, the service's clock):
     * classifications made, groups closed and assessment jobs (with their results) queued before it.
     * Open groups and each session's state stay. Answers how many records went.
     */
    readonly deleteOlderThan: (cutoff: number) => Effect.Effect<number, StoreUnavailable>
    /**
     * Forgets the session's state, classifications, groups and assessment jobs, and records its
     * deletion (a tombstone, dropped by the transcript store's retention sweep).
     */
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
