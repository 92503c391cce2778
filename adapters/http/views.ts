import { Option } from "effect"
import type { InteractionGroup } from "../../application/ports/interaction-store.ts"
import type { AssessmentView } from "../../application/read-assessments.ts"

/** A group as the API shows it: absent fields as null, its session implied by the request. */
export const toGroupView = ({ sessionId: _, closedAt, closeReason, ...group }: InteractionGroup) => ({
  ...group,
  closedAt: Option.getOrNull(closedAt),
  closeReason: Option.getOrNull(closeReason)
})

/** An assessment as the API shows it: absent fields as null. */
export const toAssessmentView = ({ failureReason, result, ...view }: AssessmentView) => ({
  ...view,
  failureReason: Option.getOrNull(failureReason),
  result: Option.getOrNull(result)
})
