import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  BadRequest,
  Conflict,
  InternalError,
  MisdirectedRequest,
  NotFound,
  PayloadTooLarge,
  ServiceUnavailable,
  TooManyRequests,
  UnsupportedMediaType
} from "./api-errors.ts"
import { Authentication } from "./authentication/middleware.ts"
import { withoutDefaultDecodeError, withRetryAfter } from "./openapi.ts"
import * as S from "./schemas.ts"

export class MessagesApi extends HttpApiGroup.make("messages")
  .add(
    HttpApiEndpoint.post("ingest", "/messages/ingest")
      .setPayload(S.IngestRequest)
      .setHeaders(S.SessionHeader)
      .addSuccess(S.IngestResponse)
      .addError(Conflict)
      .addError(TooManyRequests)
      .annotate(OpenApi.Summary, "Ingest one transcript message, idempotently on messageId")
  )
  .addError(ServiceUnavailable)
  .addError(NotFound)
  .middleware(Authentication)
  .annotate(OpenApi.Description, "Transcript ingestion, idempotent on messageId") {}

/** How every model's window is built: said once, in the chat and the context endpoints' descriptions. */
const CONTEXT_RULES =
  "The model sees a system prompt (CHAT_SYSTEM_PROMPT; the classifier CLASSIFIER_SYSTEM_PROMPT) and the " +
  "session's last N messages (CHAT_CONTEXT_LIMIT, default 20; the classifier CLASSIFIER_CONTEXT_LIMIT, default 10), " +
  "selected by session only (x-group-id is metadata and never selects), ordered by ts and then by arrival " +
  "(seq) so equal timestamps keep their order, replies still streaming left out. They come from the store, or " +
  "from the process's in-memory transcript when the session is opted out of persistence, when context from " +
  "the store is switched off (CHAT_CONTEXT_FROM_DB=false), when the store fails or times out, or when it has " +
  "nothing while memory has messages; GET /sessions/{sessionId}/context shows the window, its source and reason, " +
  "and contextUnavailable when an opted-out session's earlier messages are in another process's memory."

export class ChatApi extends HttpApiGroup.make("chat")
  .add(
    HttpApiEndpoint.get("streamGet", "/chat/stream")
      .setUrlParams(S.ChatQuery)
      .setHeaders(S.ChatGetHeaders)
      .addSuccess(S.EventStream)
      .annotate(OpenApi.Summary, "Stream the coach's reply to a prompt (x-session-id required)")
  )
  .add(
    HttpApiEndpoint.post("streamPost", "/chat/stream")
      .setPayload(S.ChatRequest)
      .setHeaders(S.ChatPostHeaders)
      .addSuccess(S.EventStream)
      .annotate(OpenApi.Summary, "Stream the coach's reply to a prompt sent as JSON")
  )
  .add(
    HttpApiEndpoint.get("resume", "/chat/:sessionId/stream")
      .setPath(S.SessionPath)
      .addSuccess(S.EventStream)
      .addSuccess(HttpApiSchema.NoContent)
      .annotate(OpenApi.Summary, "Follow the session's reply in flight from its start; 204 when none is")
      .annotate(
        OpenApi.Description,
        "The AI SDK resume request (useChat({ resume: true })): the reply's text so far as one text-delta, then " +
          "the rest as it streams, on whichever service process writes it, until finish (incomplete when its " +
          "writer stopped), error or abort. Counts toward the chat stream caps."
      )
  )
  .add(
    HttpApiEndpoint.del("stopReply", "/chat/:sessionId/stream")
      .setPath(S.SessionPath)
      .addSuccess(S.StopReplyResponse)
      .annotate(OpenApi.Summary, "Stop the session's reply in flight, stored incomplete with its text so far")
      .annotate(
        OpenApi.Description,
        "A reply runs to its end when its client goes away, so that a reload can follow it again: this is how " +
          "a client stops it. It reaches the reply when this process streams it (stopped: false otherwise)."
      )
  )
  .addError(Conflict)
  .addError(NotFound)
  .addError(TooManyRequests)
  .middleware(Authentication)
  .annotate(
    OpenApi.Description,
    "Coaching turns: the prompt is ingested (idempotently on messageId), the reply streamed and stored " +
      "(in_progress, then completed or incomplete). " +
      CONTEXT_RULES
  ) {}

export class SessionsApi extends HttpApiGroup.make("sessions")
  .add(
    HttpApiEndpoint.get("listMessages", "/sessions/:sessionId/messages")
      .setPath(S.SessionPath)
      .setUrlParams(S.MessagesQuery)
      .addSuccess(S.MessagesPage)
      .annotate(OpenApi.Summary, "Page through a session's stored transcript in (ts, seq) order")
  )
  .add(
    HttpApiEndpoint.get("context", "/sessions/:sessionId/context")
      .setPath(S.SessionPath)
      .setUrlParams(S.ContextQuery)
      .addSuccess(S.ContextResponse)
      .annotate(OpenApi.Summary, "The exact context window a model would see now, and its source")
      .annotate(OpenApi.Description, CONTEXT_RULES)
  )
  .add(
    HttpApiEndpoint.get("groups", "/sessions/:sessionId/groups")
      .setPath(S.SessionPath)
      .addSuccess(S.GroupsResponse)
      .annotate(OpenApi.Summary, "The session's interaction groups, oldest first")
  )
  .add(
    HttpApiEndpoint.del("deleteSession", "/sessions/:sessionId")
      .setPath(S.SessionPath)
      .addSuccess(S.DeleteSessionResponse)
      .annotate(OpenApi.Summary, "Delete a session's transcript from the store and from memory")
  )
  .add(
    HttpApiEndpoint.get("getSessionPrivacy", "/sessions/:sessionId/privacy")
      .setPath(S.SessionPath)
      .addSuccess(S.SessionPrivacyView)
      .annotate(
        OpenApi.Summary,
        "The opt-out a session follows for the calling user, and where it comes from"
      )
  )
  .add(
    HttpApiEndpoint.put("setSessionPrivacy", "/sessions/:sessionId/privacy")
      .setPath(S.SessionPath)
      .setPayload(S.PrivacySettingsBody)
      .addSuccess(S.SessionPrivacyResponse)
      .annotate(OpenApi.Summary, "Set a session's privacy override (wins over the user's setting)")
  )
  .addError(ServiceUnavailable)
  .addError(NotFound)
  .middleware(Authentication)
  .annotate(OpenApi.Description, "A session's transcript, context windows, privacy override and deletion") {}

export class AssessmentsApi extends HttpApiGroup.make("assessments")
  .add(
    HttpApiEndpoint.get("groupAssessment", "/groups/:groupId/assessment")
      .setPath(S.GroupPath)
      .addSuccess(S.AssessmentView)
      .annotate(OpenApi.Summary, "A group's assessment: its state and, once completed, the rubric scores")
  )
  .add(
    HttpApiEndpoint.get("sessionAssessments", "/sessions/:sessionId/assessments")
      .setPath(S.SessionPath)
      .addSuccess(S.SessionAssessments)
      .annotate(OpenApi.Summary, "A session's assessments, oldest first")
  )
  .addError(ServiceUnavailable)
  .addError(NotFound)
  .middleware(Authentication)
  .annotate(
    OpenApi.Description,
    "Assessments of finished interactions: queued when a group ends (a one-off at once), scored by a worker"
  ) {}

/** The calling user's own data across their sessions. */
export class MeApi extends HttpApiGroup.make("me")
  .add(
    HttpApiEndpoint.get("listSessions", "/sessions")
      .setUrlParams(S.SessionsQuery)
      .addSuccess(S.SessionsPage)
      .annotate(OpenApi.Summary, "The calling user's sessions, newest activity first, cursor-paged")
  )
  .add(
    HttpApiEndpoint.get("myAssessments", "/me/assessments")
      .addSuccess(S.UserAssessments)
      .annotate(
        OpenApi.Summary,
        "The calling user's assessments across their sessions, oldest first (bounded to the recent ones)"
      )
  )
  .add(
    HttpApiEndpoint.get("exportData", "/me/export")
      .addSuccess(S.UserDataExport)
      .annotate(
        OpenApi.Summary,
        "All of the calling user's data as one document: sessions with their messages, groups, assessments and privacy settings"
      )
  )
  .add(
    HttpApiEndpoint.del("deleteData", "/me")
      .addSuccess(S.DeletedUserData)
      .annotate(OpenApi.Summary, "Delete all of the calling user's data in every store; answers how much")
  )
  .addError(ServiceUnavailable)
  .middleware(Authentication)
  .annotate(
    OpenApi.Description,
    "The calling user's sessions, their assessments across sessions, an export of all their data, and its deletion"
  ) {}

export class PrivacyApi extends HttpApiGroup.make("privacy")
  .add(
    HttpApiEndpoint.get("getUserPrivacy", "/settings/privacy")
      .addSuccess(S.UserPrivacyResponse)
      .annotate(OpenApi.Summary, "The calling user's privacy settings")
  )
  .add(
    HttpApiEndpoint.put("setUserPrivacy", "/settings/privacy")
      .setPayload(S.PrivacySettingsBody)
      .addSuccess(S.UserPrivacyResponse)
      .annotate(OpenApi.Summary, "Set the calling user's transcript persistence opt-out")
  )
  .addError(ServiceUnavailable)
  .middleware(Authentication)
  .annotate(OpenApi.Description, "The calling user's privacy settings") {}

export class OperationsApi extends HttpApiGroup.make("operations")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz")
      .addSuccess(S.HealthResponse)
      .annotate(OpenApi.Summary, "Liveness: the process serves HTTP")
  )
  .add(
    HttpApiEndpoint.get("readyz", "/readyz")
      .addSuccess(S.ReadyResponse)
      .addError(ServiceUnavailable)
      .annotate(
        OpenApi.Summary,
        "Readiness: the transcript store answers and the process is not shutting down"
      )
  )
  .add(
    HttpApiEndpoint.get("metrics", "/metrics")
      .addSuccess(Schema.String.pipe(HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/plain" })))
      .annotate(OpenApi.Summary, "Prometheus metrics")
  )
  .annotate(OpenApi.Description, "Health, readiness and metrics for operators") {}

export class AuthApi extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.get("authConfig", "/auth/config")
      .addSuccess(S.AuthConfigResponse)
      .annotate(OpenApi.Summary, "How clients sign in: the mode and, in oidc mode, the issuer and client id")
  )
  .annotate(OpenApi.Description, "Sign-in settings for the web app; needs no token") {}

export class ModelApi extends HttpApiGroup.make("model")
  .add(
    HttpApiEndpoint.get("chatModel", "/chat/model")
      .addSuccess(S.ChatModelView)
      .annotate(OpenApi.Summary, "Which model answers chat turns: the offline coach, or a connected one")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Description, "What the web app tells people about the coach they talk to") {}

/** The HTTP contract (v1). Every failure is `{ error: { code, message, requestId } }`. */
export class CoachUpApi extends HttpApi.make("coachup")
  .add(MessagesApi)
  .add(ChatApi)
  .add(SessionsApi)
  .add(MeApi)
  .add(AssessmentsApi)
  .add(PrivacyApi)
  .add(OperationsApi)
  .add(AuthApi)
  .add(ModelApi)
  .addError(BadRequest)
  .addError(PayloadTooLarge)
  .addError(UnsupportedMediaType)
  .addError(MisdirectedRequest)
  .addError(InternalError)
  .addError(ServiceUnavailable)
  .annotateContext(
    OpenApi.annotations({
      title: "Coach Up conversation service",
      version: "1.0.0",
      description:
        "Transcripts by sessionId, context windows and privacy settings. Every endpoint with a user's data " +
        "needs a bearer access token (AUTH_MODE=oidc); with AUTH_MODE=local (loopback only) the caller is " +
        "`local`, or the user x-user-id names. Every response carries x-request-id.",
      servers: [{ url: "/", description: "This service" }],
      license: { name: "Proprietary" },
      transform: (spec) => withRetryAfter(withoutDefaultDecodeError(spec))
    })
  ) {}
