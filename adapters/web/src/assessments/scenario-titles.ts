import type { InteractionGroup, Message } from "../api-types.ts"

/**
 * Each role play's scenario, by group id: the user message that opened it (the last one sent by the
 * group's `openedAt`, when its classification opened the group), on one line; a card's heading
 * shows at most two lines of it. A group whose opening message is not stored (a session whose
 * transcript is not kept) has none.
 */
export const scenarioTitles = (
  messages: ReadonlyArray<Message>,
  groups: ReadonlyArray<InteractionGroup>
): ReadonlyMap<string, string> => {
  const titles = new Map<string, string>()
  for (const group of groups) {
    const opening = messages.findLast((message) => message.role === "user" && message.ts <= group.openedAt)
    const title = opening?.text.replace(/\s+/g, " ").trim()
    if (title !== undefined && title !== "") titles.set(group.groupId, title)
  }
  return titles
}
