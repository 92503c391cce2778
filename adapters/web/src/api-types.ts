import type { Schema } from "effect"
import type * as Contract from "../../http/schemas.ts"

/** The wire shapes of the HTTP contract, taken from its Schemas (types only: nothing is bundled). */
export type Message = Schema.Schema.Encoded<typeof Contract.MessageView>
export type MessagesPage = Schema.Schema.Encoded<typeof Contract.MessagesPage>
export type InteractionGroup = Schema.Schema.Encoded<typeof Contract.InteractionGroupView>
export type GroupsResponse = Schema.Schema.Encoded<typeof Contract.GroupsResponse>
export type UserPrivacy = Schema.Schema.Encoded<typeof Contract.UserPrivacyResponse>
export type SessionPrivacy = Schema.Schema.Encoded<typeof Contract.SessionPrivacyResponse>
export type SessionPrivacyView = Schema.Schema.Encoded<typeof Contract.SessionPrivacyView>
export type ContextWindow = Schema.Schema.Encoded<typeof Contract.ContextResponse>
export type DeletedSession = Schema.Schema.Encoded<typeof Contract.DeleteSessionResponse>
export type AssessmentView = Schema.Schema.Encoded<typeof Contract.AssessmentView>
export type SessionAssessments = Schema.Schema.Encoded<typeof Contract.SessionAssessments>
export type AuthConfig = Schema.Schema.Encoded<typeof Contract.AuthConfigResponse>

export type SessionSummary = Schema.Schema.Encoded<typeof Contract.SessionSummaryView>
export type SessionsPage = Schema.Schema.Encoded<typeof Contract.SessionsPage>
export type UserAssessments = Schema.Schema.Encoded<typeof Contract.UserAssessments>
export type ChatModelView = Schema.Schema.Encoded<typeof Contract.ChatModelView>
