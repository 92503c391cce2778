import { HttpApiBuilder } from "@effect/platform"
import { Effect, Option } from "effect"
import { DeleteUserData } from "../../../application/delete-user-data.ts"
import { ExportUserData } from "../../../application/export-user-data.ts"
import { ListSessions, type SessionSummary } from "../../../application/list-sessions.ts"
import { ReadUserAssessments } from "../../../application/read-assessments.ts"
import { CoachUpApi } from "../api.ts"
import { mapDomainErrors } from "../api-errors.ts"
import { CurrentPrincipal } from "../authentication/principal.ts"
import { decodeSessionCursor, encodeSessionCursor } from "../cursor.ts"
import { toMessageView } from "../message-view.ts"
import { toAssessmentView, toGroupView } from "../views.ts"

const DEFAULT_PAGE_SIZE = 20

const toSummaryView = ({ title, ...session }: SessionSummary) => ({
  ...session,
  title: Option.getOrNull(title)
})

export const MeLive = HttpApiBuilder.group(CoachUpApi, "me", (handlers) =>
  handlers
    .handle("listSessions", ({ urlParams }) =>
      Effect.gen(function* () {
        const after = yield* decodeSessionCursor(urlParams.cursor)
        const { userId } = yield* CurrentPrincipal
        const page = yield* ListSessions(userId, { limit: urlParams.limit ?? DEFAULT_PAGE_SIZE, after })
        return {
          sessions: page.sessions.map(toSummaryView),
          nextCursor: Option.getOrNull(Option.map(page.next, encodeSessionCursor))
        }
      }).pipe(mapDomainErrors)
    )
    .handle("myAssessments", () =>
      Effect.flatMap(CurrentPrincipal, ({ userId }) => ReadUserAssessments(userId)).pipe(
        Effect.map((views) => ({ assessments: views.map(toAssessmentView) })),
        mapDomainErrors
      )
    )
    .handle("exportData", () =>
      Effect.gen(function* () {
        const { userId } = yield* CurrentPrincipal
        const data = yield* ExportUserData(userId)
        return {
          ...data,
          transcriptPersistenceOptOut: Option.getOrNull(data.transcriptPersistenceOptOut),
          sessions: data.sessions.map(
            ({ messages, groups, assessments, transcriptPersistenceOptOut, ...session }) => ({
              ...toSummaryView(session),
              transcriptPersistenceOptOut: Option.getOrNull(transcriptPersistenceOptOut),
              messages: messages.map(toMessageView),
              groups: groups.map(toGroupView),
              assessments: assessments.map(toAssessmentView)
            })
          )
        }
      }).pipe(mapDomainErrors)
    )
    .handle("deleteData", () =>
      Effect.flatMap(CurrentPrincipal, ({ userId }) => DeleteUserData(userId)).pipe(mapDomainErrors)
    )
)
