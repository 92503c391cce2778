import type { InteractionGroup } from "./api-types.ts"

const closeReasons: Record<NonNullable<InteractionGroup["closeReason"]>, string> = {
  ended: "ended",
  restarted: "was replaced by a new one",
  idle: "closed after a quiet spell"
}

/** How a group ended, as a verb phrase: "ended", "was replaced by a new one", … */
export const howItClosed = (group: Pick<InteractionGroup, "closeReason">): string =>
  group.closeReason === null ? "closed" : closeReasons[group.closeReason]
