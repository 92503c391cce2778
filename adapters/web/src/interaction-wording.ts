import type { InteractionGroup } from "./api-types.ts"

/** A group's id as the pages show it: its first eight characters. */
export const shortGroupId = (groupId: string): string => groupId.slice(0, 8)

const closeReasons: Record<NonNullable<InteractionGroup["closeReason"]>, string> = {
  ended: "ended",
  restarted: "was replaced by a new one",
  idle: "closed after a quiet spell"
}

/** How a group ended, as a verb phrase: "ended", "was replaced by a new one", … */
export const howItClosed = (group: Pick<InteractionGroup, "closeReason">): string =>
  group.closeReason === null ? "closed" : closeReasons[group.closeReason]
