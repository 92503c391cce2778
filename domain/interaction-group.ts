import { Data, Option } from "effect"
import type { BoundaryDecision, Classification } from "./boundary.ts"
import type { GroupId } from "./ids.ts"

/** The interaction a session has open, if any. */
export interface OpenGroup {
  readonly groupId: GroupId
  readonly openedAt: number
  readonly lastActivityAt: number
  readonly messages: number
}

export interface SessionInteraction {
  readonly open: Option.Option<OpenGroup>
}

export const noInteraction: SessionInteraction = { open: Option.none() }

/** What a transition asks the world to do. */
export type GroupEffect = Data.TaggedEnum<{
  Opened: { readonly groupId: GroupId }
  Closed: {
    readonly groupId: GroupId
    readonly reason: "ended" | "restarted" | "idle"
    readonly messages: number
  }
  /** The group is complete: queue its assessment. */
  AssessmentRequested: { readonly groupId: GroupId }
}>
export const GroupEffect = Data.taggedEnum<GroupEffect>()

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

const close = (open: OpenGroup, reason: "ended" | "restarted" | "idle"): ReadonlyArray<GroupEffect> => [
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
