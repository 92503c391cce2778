import type { InteractionGroup, Message } from "../api-types.ts"

export type TranscriptEntry =
  | { readonly kind: "message"; readonly message: Message }
  | { readonly kind: "opened"; readonly group: InteractionGroup }
  | { readonly kind: "closed"; readonly group: InteractionGroup }

/**
 * The transcript with each interaction's start and end marked. Stored messages do not name the
 * group the classifier put them in, so the marks go by time: a group opens at the timestamp of the
 * message that started it and closes at the one that ended it.
 */
export const transcriptEntries = (
  messages: ReadonlyArray<Message>,
  groups: ReadonlyArray<InteractionGroup>
): Array<TranscriptEntry> => {
  const entries: Array<TranscriptEntry> = []
  const toOpen = [...groups].sort((a, b) => a.openedAt - b.openedAt)
  const toClose = groups
    .filter((group) => group.closedAt !== null)
    .sort((a, b) => (a.closedAt ?? 0) - (b.closedAt ?? 0))
  for (const message of messages) {
    while (toClose[0] !== undefined && (toClose[0].closedAt ?? 0) < message.ts)
      entries.push({ kind: "closed", group: toClose.shift()! })
    while (toOpen[0] !== undefined && toOpen[0].openedAt <= message.ts)
      entries.push({ kind: "opened", group: toOpen.shift()! })
    entries.push({ kind: "message", message })
  }
  for (const group of toOpen) entries.push({ kind: "opened", group })
  for (const group of toClose) entries.push({ kind: "closed", group })
  return entries
}
