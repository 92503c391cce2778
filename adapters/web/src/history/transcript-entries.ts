import type { InteractionGroup, Message } from "../api-types.ts"

export type TranscriptEntry =
  | { readonly kind: "message"; readonly message: Message }
  | { readonly kind: "opened"; readonly group: InteractionGroup }
  | { readonly kind: "closed"; readonly group: InteractionGroup }

/**
 * The transcript with each interaction's start and end marked. Stored messages do not name the
 * group the classifier put them in, and a group's times are when its boundary was classified (just
 * after the user message that caused it). So a group opens before the last user message sent by
 * its `openedAt`, and closes after that message's turn (the coach's reply included) by its
 * `closedAt`; a group replaced by a new start closes just before that start.
 */
export const transcriptEntries = (
  messages: ReadonlyArray<Message>,
  groups: ReadonlyArray<InteractionGroup>
): Array<TranscriptEntry> => {
  const userIndexes = messages.flatMap((message, index) => (message.role === "user" ? [index] : []))
  /** The index of the last user message sent by `at`, or 0 when none was. */
  const causedBy = (at: number) => userIndexes.findLast((index) => messages[index]!.ts <= at) ?? 0
  /** Where the turn that starts at a user message ends: the next user message, or the end. */
  const afterTurn = (index: number) => userIndexes.find((next) => next > index) ?? messages.length

  const closes = new Map<number, Array<TranscriptEntry>>()
  const opens = new Map<number, Array<TranscriptEntry>>()
  const add = (marks: Map<number, Array<TranscriptEntry>>, at: number, entry: TranscriptEntry) =>
    marks.set(at, [...(marks.get(at) ?? []), entry])
  for (const group of [...groups].sort((a, b) => a.openedAt - b.openedAt)) {
    add(opens, causedBy(group.openedAt), { kind: "opened", group })
    if (group.closedAt === null) continue
    const cause = causedBy(group.closedAt)
    add(closes, group.closeReason === "restarted" ? cause : afterTurn(cause), { kind: "closed", group })
  }
  return [...messages, null].flatMap((message, index) => [
    ...(closes.get(index) ?? []),
    ...(opens.get(index) ?? []),
    ...(message === null ? [] : [{ kind: "message" as const, message }])
  ])
}
