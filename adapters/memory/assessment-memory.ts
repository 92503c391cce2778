import { Effect, Layer, Option } from "effect"
import { AssessmentMemory } from "../../application/ports/assessment-memory.ts"
import type { AssessmentResult } from "../../domain/assessment.ts"
import type { GroupId, SessionId } from "../../domain/ids.ts"

/** `AssessmentMemory` in a Map that keeps at most `maxResults`, forgetting the oldest first. */
export const layer = (options: { readonly maxResults: number }) =>
  Layer.sync(AssessmentMemory, () => {
    // A Map iterates in insertion order: its first key is the oldest result.
    const results = new Map<GroupId, { readonly sessionId: SessionId; readonly result: AssessmentResult }>()
    return AssessmentMemory.of({
      put: (groupId, sessionId, result) =>
        Effect.sync(() => {
          results.delete(groupId)
          results.set(groupId, { sessionId, result })
          while (results.size > options.maxResults) results.delete(results.keys().next().value!)
        }),
      get: (groupId) =>
        Effect.sync(() => Option.map(Option.fromNullable(results.get(groupId)), (held) => held.result)),
      deleteSession: (sessionId) =>
        Effect.sync(() => {
          for (const [groupId, held] of results) if (held.sessionId === sessionId) results.delete(groupId)
        })
    })
  })
