import { Context, type Effect, type Option } from "effect"
import type { BoundaryDecision } from "../../domain/boundary.ts"
import type { StoreUnavailable } from "../../domain/errors.ts"
import type { GroupId, MessageId, SessionId } from "../../domain/ids.ts"
import type { GroupEffect, SessionInteraction } from "../../domain/interaction-group.ts"

/** The classification a user message received, kept so a repeat gets the same answer. */
export interface MessageClassification {
  readonly messageId: MessageId
  readonly sessionId: SessionId
  /** What the classifier said. */
  readonly decision: BoundaryDecision
  /** What the state machine did with it (a boundary below the confidence floor is not acted on). */
  readonly applied: BoundaryDecision
  readonly confidence: number
  readonly groupId: Option.Option<GroupId>
  readonly at: number
}

export interface InteractionGroup {
  readonly groupId: GroupId
  readonly sessionId: SessionId
  readonly status: "open" | "closed"
  readonly openedAt: number
  readonly closedAt: Option.Option<number>
  readonly closeReason: Option.Option<"ended" | "restarted" | "idle">
  readonly messages: number
  /** Set when the group closed complete; the assessment itself is queued from here. */
  readonly assessmentRequested: boolean
}

export interface VersionedInteraction {
  readonly state: SessionInteraction
  /** Bumped by every commit; a commit against an older version is refused. */
  readonly version: number
}

export interface InteractionCommit {
  readonly sessionId: SessionId
  readonly expectedVersion: number
  readonly state: SessionInteraction
  /** The message classified by this transition; none for an idle expiry. */
  readonly classification: Option.Option<MessageClassification>
  readonly effects: ReadonlyArray<GroupEffect>
  /** When the transition happened: groups opened or closed by it carry this time. */
  readonly at: number
  /** The request that caused it; a queued assessment carries it into its logs and spans. */
  readonly requestId: Option.Option<string>
}

/**
 * Interaction state per session, with its groups and the classification of each user message.
 * Commits are atomic and optimistic: one transition lands whole, or not at all when the session
 * moved on meanwhile (`stale`) or the message was already classified (`duplicate`). A commit whose
 * effects ask for a group's assessment queues that job (see `AssessmentQueue`) in the same
 * transaction, once per group: no closed group is left unqueued, none is queued twice.
 */
export class InteractionStore extends Context.Tag("coachup/InteractionStore")<
  InteractionStore,
  {
    readonly classificationOf: (
      messageId: MessageId
    ) => Effect.Effect<Option.Option<MessageClassification>, StoreUnavailable>
    readonly interaction: (sessionId: SessionId) => Effect.Effect<VersionedInteraction, StoreUnavailable>
    readonly commit: (
      commit: InteractionCommit
    ) => Effect.Effect<"committed" | "stale" | "duplicate", StoreUnavailable>
    /** The session's groups, oldest first. */
    readonly groups: (
      sessionId: SessionId
    ) => Effect.Effect<ReadonlyArray<InteractionGroup>, StoreUnavailable>
    /** The user messages classified into a group, in the order they were classified. */
    readonly groupMessages: (groupId: GroupId) => Effect.Effect<ReadonlyArray<MessageId>, StoreUnavailable>
    /** Sessions whose open group has seen no message since `before` (ms since epoch). */
    readonly idleSessions: (before: number) => Effect.Effect<ReadonlyArray<SessionId>, StoreUnavailable>
    /** Forgets the session's state, classifications, groups and assessment jobs. */
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<void, StoreUnavailable>
  }
>() {}
