import { Context, type Effect, type Option } from "effect"
import type { AssessmentResult } from "../../domain/assessment.ts"
import type { GroupId, SessionId } from "../../domain/ids.ts"

/**
 * Results of assessments whose session's text may not be stored: held in this process only, and
 * lost with it, by design. Bounded: the oldest are forgotten first.
 */
export class AssessmentMemory extends Context.Tag("coachup/AssessmentMemory")<
  AssessmentMemory,
  {
    readonly put: (groupId: GroupId, sessionId: SessionId, result: AssessmentResult) => Effect.Effect<void>
    readonly get: (groupId: GroupId) => Effect.Effect<Option.Option<AssessmentResult>>
    readonly deleteSession: (sessionId: SessionId) => Effect.Effect<void>
  }
>() {}
