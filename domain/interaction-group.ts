import { Data, Option, Schema } from "effect"
import { BoundaryDecision, type Classification } from "./boundary.ts"
import { GroupId, MessageId, SessionId } from "./ids.ts"

export const CloseReason = Schema.Literal("ended", "restarted", "idle")
export type CloseReason = typeof CloseReason.Type

/** The interaction a session has open, if any. */
export const OpenGroup = Schema.Struct({
  groupId: GroupId,
  openedAt: Schema.Number,
  lastActivityAt: Schema.Number,
  messages: Schema.Number
})
export type OpenGroup = typeof OpenGroup.Type

/** A session's interaction; stored, the open group is absent when there is none. */
export const SessionInteraction = Schema.Struct({
  open: Schema.optionalWith(OpenGroup, { as: "Option", exact: true })
})
export type SessionInteraction = typeof SessionInteraction.Type

export const noInteraction: SessionInteraction = { open: Option.none() }

const GroupEffects = Schema.Union(
  Schema.TaggedStruct("Opened", { groupId: GroupId }),
  Schema.TaggedStruct("Closed", { groupId: GroupId, reason: CloseReason, messages: Schema.Number }),
  /** The group is complete: queue its assessment. */
  Schema.TaggedStruct("AssessmentRequested", { groupId: GroupId })
)

/** What a transition asks the world to do. */
export type GroupEffect = typeof GroupEffects.Type
export const GroupEffect = Data.taggedEnum<GroupEffect>()

/** The classification a user message received, kept so a repeat gets the same answer. */
export const MessageClassification = Schema.Struct({
  messageId: MessageId,
  sessionId: SessionId,
  /** What the classifier said. */
  decision: BoundaryDecision,
  /** What the state machine did with it (a boundary below the confidence floor is not acted on). */
  applied: BoundaryDecision,
  confidence: Schema.Number,
  groupId: Schema.optionalWith(GroupId, { as: "Option", exact: true }),
  at: Schema.Number
})
export type MessageClassification = typeof MessageClassification.Type

/** A group as stored; its encoded form (absent fields for none) is the row every store keeps. */
export const InteractionGroup = Schema.Struct({
  groupId: GroupId,
  sessionId: SessionId,
  status: Schema.Literal("open", "closed"),
  openedAt: Schema.Number,
  closedAt: Schema.optionalWith(Schema.Number, { as: "Option", exact: true }),
  closeReason: Schema.optionalWith(CloseReason, { as: "Option", exact: true }),
  messages: Schema.Number,
  /** Set when the group closed complete; the assessment itself is queued from here. */
  assessmentRequested: Schema.Boolean
})
export type InteractionGroup = typeof InteractionGroup.Type

/**
 * One transition to store, atomically. Encoded, it is plain data (absent fields for none): what a
 * store's commit plan (`interaction-commit.ts`) reads, and what crosses to a Convex mutation.
 */
export const InteractionCommit = Schema.Struct({
  sessionId: SessionId,
  expectedVersion: Schema.Number,
  state: SessionInteraction,
  /** The message classified by this transition; none for an idle expiry. */
  classification: Schema.optionalWith(MessageClassification, { as: "Option", exact: true }),
  effects: Schema.Array(GroupEffects),
  /** When the transition happened: groups opened or closed by it carry this time. */
  at: Schema.Number,
  /** The request that caused it; a queued assessment carries it into its logs and spans. */
  requestId: Schema.optionalWith(Schema.String, { as: "Option", exact: true }),
  /**
   * When the work behind it began (a message's arrival): a session deleted at or after then refuses
   * the commit, in the store's transaction, so that the work writes nothing back. Else `at`.
   */
  begunAt: Schema.optionalWith(Schema.Number, { exact: true }),
  /**
   * A classification of a stored message waits for the session's previous user message in the
   * store's order (its `seq`) to be classified: until then it is refused (`OutOfOrder`). Set when
   * the classifier gave up waiting, to apply this one without it.
   */
  skipsPredecessor: Schema.optionalWith(Schema.Boolean, { exact: true })
})
export type InteractionCommit = typeof InteractionCommit.Type

/**
 * A classification the store refused for now: the session's previous user message in its order is
 * not classified yet.
 */
export const OutOfOrder = Schema.TaggedStruct("OutOfOrder", {
  /** The message to wait for. */
  predecessor: MessageId,
  /** When the store took it (the service's clock): how long it has had to be classified. */
  predecessorAcceptedAt: Schema.Number
})
export type OutOfOrder = typeof OutOfOrder.Type

export interface Transition {
  readonly state: SessionInteraction
  /** The group the message belongs to, if any. */
  readonly groupId: Option.Option<GroupId>
  /** The decision acted on: a boundary below the confidence floor is not acted on. */
  readonly applied: BoundaryDecision
  readonly effects: ReadonlyArray<GroupEffect>
}

export interface ClassifiedMessage {
  readonly classification: Classification
  readonly at: number
  /** The id a new group would take; unused unless a group opens. */
  readonly newGroupId: GroupId
  /** `CLASSIFIER_MIN_CONFIDENCE`. */
  readonly minConfidence: number
}

/** A transition that changes nothing: the message joins no group. */
export const unchanged = (state: SessionInteraction): Transition => ({
  state,
  groupId: Option.none(),
  applied: "ignore",
  effects: []
})

const close = (open: OpenGroup, reason: CloseReason): ReadonlyArray<GroupEffect> => [
  GroupEffect.Closed({ groupId: open.groupId, reason, messages: open.messages }),
  GroupEffect.AssessmentRequested({ groupId: open.groupId })
]

const opened = (groupId: GroupId, at: number): OpenGroup => ({
  groupId,
  openedAt: at,
  lastActivityAt: at,
  messages: 1
})

const touch = (open: OpenGroup, at: number): OpenGroup => ({
  ...open,
  lastActivityAt: at,
  messages: open.messages + 1
})

/**
 * The interaction-group state machine, as a pure function.
 *
 * - `start` opens a group; while another is open, that one closes (`restarted`) and is assessed.
 * - `continue` joins the open group; with none open it opens one (a start the classifier missed).
 * - `end` joins and closes the open group, which is assessed; with none open it changes nothing.
 * - `one_off` is a group of its own, assessed at once; an open group stays open.
 * - `ignore` changes nothing: chatter joins no group, even inside a practice.
 * - Below `minConfidence` a boundary is not acted on: the message joins the open group if there is
 *   one (`continue`), else is chatter (`ignore`). An `ignore` stays one, whatever its confidence (a
 *   failed classification is `ignore` at 0 and joins nothing).
 */
export const transition = (state: SessionInteraction, message: ClassifiedMessage): Transition => {
  const { decision, confidence } = message.classification
  const applied: BoundaryDecision =
    decision === "ignore" || confidence >= message.minConfidence
      ? decision
      : Option.isSome(state.open)
        ? "continue"
        : "ignore"
  const { at, newGroupId } = message
  switch (applied) {
    case "ignore":
      return unchanged(state)
    case "start":
      return {
        state: { open: Option.some(opened(newGroupId, at)) },
        groupId: Option.some(newGroupId),
        applied,
        effects: [
          ...Option.match(state.open, { onNone: () => [], onSome: (open) => close(open, "restarted") }),
          GroupEffect.Opened({ groupId: newGroupId })
        ]
      }
    case "continue":
      return Option.match(state.open, {
        onNone: () => ({
          state: { open: Option.some(opened(newGroupId, at)) },
          groupId: Option.some(newGroupId),
          applied,
          effects: [GroupEffect.Opened({ groupId: newGroupId })]
        }),
        onSome: (open) => ({
          state: { open: Option.some(touch(open, at)) },
          groupId: Option.some(open.groupId),
          applied,
          effects: []
        })
      })
    case "end":
      return Option.match(state.open, {
        onNone: () => ({ ...unchanged(state), applied }),
        onSome: (open) => ({
          state: noInteraction,
          groupId: Option.some(open.groupId),
          applied,
          effects: close(touch(open, at), "ended")
        })
      })
    case "one_off":
      return {
        state,
        groupId: Option.some(newGroupId),
        applied,
        effects: [GroupEffect.Opened({ groupId: newGroupId }), ...close(opened(newGroupId, at), "ended")]
      }
  }
}

/** An open group idle for `idleTimeout` ms closes and is assessed. */
export const expireIdle = (state: SessionInteraction, now: number, idleTimeout: number): Transition =>
  Option.match(state.open, {
    onNone: () => unchanged(state),
    onSome: (open) =>
      now - open.lastActivityAt >= idleTimeout
        ? {
            state: noInteraction,
            groupId: Option.none(),
            applied: "end" as const,
            effects: close(open, "idle")
          }
        : unchanged(state)
  })
