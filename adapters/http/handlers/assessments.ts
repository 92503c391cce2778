import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { ReadAssessment, ReadSessionAssessments } from "../../../application/read-assessments.ts"
import { CoachUpApi } from "../api.ts"
import { failWith, mapDomainErrors, NotFound } from "../api-errors.ts"
import { authorizeSession } from "../session-owner.ts"
import { toAssessmentView } from "../views.ts"

export const AssessmentsLive = HttpApiBuilder.group(CoachUpApi, "assessments", (handlers) =>
  handlers
    .handle("groupAssessment", ({ path }) => {
      // Another user's group answers as one that has no assessment.
      const notFound = failWith(
        NotFound,
        "assessment_not_found",
        `no assessment was queued for group ${path.groupId}`
      )
      return Effect.flatMap(ReadAssessment(path.groupId), (view) =>
        Option.match(view, {
          onNone: () => notFound,
          onSome: (found) =>
            authorizeSession(found.sessionId, "read").pipe(
              Effect.as(toAssessmentView(found)),
              Effect.catchTag("SessionNotFound", () => notFound)
            )
        })
      ).pipe(mapDomainErrors)
    })
    .handle("sessionAssessments", ({ path }) =>
      authorizeSession(path.sessionId, "read").pipe(
        Effect.zipRight(ReadSessionAssessments(path.sessionId)),
        Effect.map((views) => ({ sessionId: path.sessionId, assessments: views.map(toAssessmentView) })),
        mapDomainErrors
      )
    )
)
