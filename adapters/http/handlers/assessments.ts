import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import {
  ReadAssessment,
  ReadSessionAssessments,
  type AssessmentView
} from "../../../application/read-assessments.ts"
import { CoachUpApi } from "../api.ts"
import { failWith, mapDomainErrors, NotFound } from "../api-errors.ts"

const toWire = ({ failureReason, result, ...view }: AssessmentView) => ({
  ...view,
  failureReason: Option.getOrNull(failureReason),
  result: Option.getOrNull(result)
})

export const AssessmentsLive = HttpApiBuilder.group(CoachUpApi, "assessments", (handlers) =>
  handlers
    .handle("groupAssessment", ({ path }) =>
      Effect.flatMap(ReadAssessment(path.groupId), (view) =>
        Option.match(view, {
          onNone: () =>
            failWith(NotFound, "assessment_not_found", `no assessment was queued for group ${path.groupId}`),
          onSome: (found) => Effect.succeed(toWire(found))
        })
      ).pipe(mapDomainErrors)
    )
    .handle("sessionAssessments", ({ path }) =>
      ReadSessionAssessments(path.sessionId).pipe(
        Effect.map((views) => ({ sessionId: path.sessionId, assessments: views.map(toWire) })),
        mapDomainErrors
      )
    )
)
