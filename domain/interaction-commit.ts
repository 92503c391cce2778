/**
 * The interaction commit rules, once for every store: given what the store holds, what one commit
 * writes. Plain data in and out, and no runtime imports, so that the Convex functions run the
 * very same plan inside their mutation.
 */
import type { InteractionCommit, InteractionGroup, OutOfOrder } from "./interaction-group.ts"

/** A commit as plain data: the encoded `InteractionCommit`. */
export type CommitRequest = typeof InteractionCommit.Encoded
/** A group as every store keeps it: the encoded `InteractionGroup`. */
export type GroupRow = typeof InteractionGroup.Encoded
export type ClassificationRow = NonNullable<CommitRequest["classification"]>
type OpenGroupRow = NonNullable<CommitRequest["state"]["open"]>
export type OutOfOrderRow = typeof OutOfOrder.Encoded

/** Why a commit writes nothing. */
export type CommitRefusal = "deleted" | "duplicate" | "stale" | OutOfOrderRow

/** The session's previous user message, in the store's order, before the one a commit classifies. */
export interface PredecessorRow {
  readonly messageId: string
  /** When the store took it (the service's clock). */
  readonly acceptedAt: number
  readonly classified: boolean
}

/** What a store holds, before the commit, of what the commit depends on. */
export interface CommitBasis {
  /** The session's version: 0 before its first commit. */
  readonly version: number
  /** Whether the commit's message has a classification already. */
  readonly classified: boolean
  /** Those of `groupsNamedBy(commit)` that are stored. */
  readonly groups: ReadonlyArray<string>
  /** Those of `groupsNamedBy(commit)` whose assessment is queued. */
  readonly queued: ReadonlyArray<string>
  /** When the session was last deleted (its tombstone), if it was. */
  readonly deletedAt?: number | undefined
  /**
   * The previous user message before the one classified (`seq` order), when the store holds both
   * and the commit does not skip it: read only for what `checksOrder` says.
   */
  readonly predecessor?: PredecessorRow | undefined
}

export type GroupChanges = Partial<
  Pick<GroupRow, "status" | "closedAt" | "closeReason" | "messages" | "assessmentRequested">
>

/** An assessment job to queue, pending from `queuedAt`. */
export interface QueuedJob {
  readonly groupId: string
  readonly sessionId: string
  readonly queuedAt: number
  readonly requestId?: string
}

/** What a commit writes, all in one transaction. */
export interface InteractionWrites {
  /** The session's row, replaced whole. */
  readonly session: { readonly sessionId: string; readonly version: number; readonly open?: OpenGroupRow }
  readonly classification?: ClassificationRow
  /** Groups opened by the commit, as they stand after it. */
  readonly insertGroups: ReadonlyArray<GroupRow>
  /** Stored groups the commit changes, with the fields it sets. */
  readonly updateGroups: ReadonlyArray<{ readonly groupId: string; readonly changes: GroupChanges }>
  readonly queueJobs: ReadonlyArray<QueuedJob>
}

/** The groups a commit names (its effects' and its open group): the store reads these for the basis. */
export const groupsNamedBy = (commit: CommitRequest): ReadonlyArray<string> => [
  ...new Set([
    ...commit.effects.map((effect) => effect.groupId),
    ...(commit.state.open === undefined ? [] : [commit.state.open.groupId])
  ])
]

/** Whether the store must read the classified message's predecessor for the commit's basis. */
export const checksOrder = (commit: CommitRequest): boolean =>
  commit.classification !== undefined && commit.skipsPredecessor !== true

/** Whether a plan writes nothing. */
export const isRefusal = (plan: CommitRefusal | InteractionWrites): plan is CommitRefusal =>
  typeof plan === "string" || "_tag" in plan

/**
 * One commit's writes; `deleted` when the session was deleted at or after the commit's work began,
 * `duplicate` when its message is classified already, `OutOfOrder` when the message before it in
 * the store's order is not classified yet (unless the commit skips it), `stale` when the session
 * moved past `expectedVersion`. Effects apply in order: `Opened` inserts a group; `Closed` and
 * `AssessmentRequested` change a group stored or opened by this commit, and nothing otherwise; an
 * assessment is queued once per group. The open group's message count comes from the new state.
 */
export const planInteractionCommit = (
  commit: CommitRequest,
  basis: CommitBasis
): CommitRefusal | InteractionWrites => {
  if (basis.deletedAt !== undefined && (commit.begunAt ?? commit.at) <= basis.deletedAt) return "deleted"
  if (commit.classification !== undefined && basis.classified) return "duplicate"
  const predecessor = basis.predecessor
  if (checksOrder(commit) && predecessor !== undefined && !predecessor.classified)
    return {
      _tag: "OutOfOrder",
      predecessor: predecessor.messageId,
      predecessorAcceptedAt: predecessor.acceptedAt
    }
  if (basis.version !== commit.expectedVersion) return "stale"
  const stored = new Set(basis.groups)
  const queued = new Set(basis.queued)
  const inserted = new Map<string, GroupRow>()
  const updated = new Map<string, GroupChanges>()
  const queueJobs: Array<QueuedJob> = []
  /** Changes a group stored or opened by this commit; answers whether there was one. */
  const change = (groupId: string, changes: GroupChanges) => {
    const opened = inserted.get(groupId)
    if (opened !== undefined) inserted.set(groupId, { ...opened, ...changes })
    else if (stored.has(groupId)) updated.set(groupId, { ...updated.get(groupId), ...changes })
    return opened !== undefined || stored.has(groupId)
  }
  for (const effect of commit.effects) {
    switch (effect._tag) {
      case "Opened":
        inserted.set(effect.groupId, {
          groupId: effect.groupId,
          sessionId: commit.sessionId,
          status: "open",
          openedAt: commit.at,
          messages: 1,
          assessmentRequested: false
        })
        break
      case "Closed":
        change(effect.groupId, {
          status: "closed",
          closedAt: commit.at,
          closeReason: effect.reason,
          messages: effect.messages
        })
        break
      case "AssessmentRequested":
        if (change(effect.groupId, { assessmentRequested: true }) && !queued.has(effect.groupId)) {
          queued.add(effect.groupId)
          queueJobs.push({
            groupId: effect.groupId,
            sessionId: commit.sessionId,
            queuedAt: commit.at,
            ...(commit.requestId === undefined ? {} : { requestId: commit.requestId })
          })
        }
        break
    }
  }
  const open = commit.state.open
  if (open !== undefined) change(open.groupId, { messages: open.messages })
  return {
    session: {
      sessionId: commit.sessionId,
      version: commit.expectedVersion + 1,
      ...(open === undefined ? {} : { open })
    },
    ...(commit.classification === undefined ? {} : { classification: commit.classification }),
    insertGroups: [...inserted.values()],
    updateGroups: [...updated].map(([groupId, changes]) => ({ groupId, changes })),
    queueJobs
  }
}
