import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { AssessmentResult } from "../../domain/assessment.ts"
import { BoundaryDecision } from "../../domain/boundary.ts"
import { GroupId, MessageId, SessionId, storedId, UserId } from "../../domain/ids.ts"
import { AudioUrl, MessageStatus, MessageText, Role, Timestamp } from "../../domain/transcript.ts"

export const IngestRequest = Schema.Struct({
  sessionId: Schema.optional(SessionId).annotations({ description: "Or send it as the x-session-id header" }),
  messageId: MessageId.annotations({ description: "Caller-chosen; ingestion is idempotent on it" }),
  role: Role,
  text: MessageText,
  ts: Schema.optional(Timestamp).annotations({
    description: "Milliseconds since the epoch; the server's clock when absent"
  }),
  groupId: Schema.optional(GroupId).annotations({
    description: "Metadata only; never used to select context"
  }),
  audioUrl: Schema.optional(AudioUrl)
}).annotations({ identifier: "IngestRequest", parseOptions: { errors: "all" } })

export const SessionHeader = Schema.Struct({ "x-session-id": Schema.optional(SessionId) })

export const NotPersistedReason = Schema.Literal(
  "persistence_disabled",
  "user_opt_out",
  "session_opt_out"
).annotations({ description: "Why the message is kept in the service's memory only, never stored" })

export const IngestResponse = Schema.Struct({
  messageId: MessageId,
  sessionId: SessionId,
  persisted: Schema.Boolean.annotations({ description: "true: the message is in the durable store" }),
  queued: Schema.Boolean.annotations({
    description:
      "true: the store could not take the message now; it waits in the service's durable outbox and is written to the store, once, when the store takes writes again"
  }),
  duplicate: Schema.Boolean,
  skippedReason: Schema.optional(NotPersistedReason),
  classification: Schema.optional(Schema.suspend(() => ClassificationView)).annotations({
    description: "For user messages: the interaction boundary decision"
  })
}).annotations({ identifier: "IngestResponse" })

/** An answer's ids are the stored ones, branded but not checked again (`storedId`): they were checked coming in. */
const Answered = {
  SessionId: storedId("SessionId"),
  MessageId: storedId("MessageId"),
  GroupId: storedId("GroupId")
}

export const MessageView = Schema.Struct({
  messageId: Answered.MessageId,
  sessionId: Answered.SessionId,
  role: Role,
  text: Schema.String,
  ts: Schema.Number,
  seq: Schema.Number.annotations({ description: "Per-session arrival order; breaks ties between equal ts" }),
  groupId: Schema.optional(Answered.GroupId),
  audioUrl: Schema.optional(Schema.String),
  status: Schema.optional(MessageStatus),
  replaced: Schema.optional(Schema.Boolean).annotations({
    description: "A coach reply the user regenerated: kept here, left out of every context window"
  })
}).annotations({ identifier: "Message" })

export const SessionPath = Schema.Struct({ sessionId: SessionId })

export const MessagesQuery = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 200))).annotations({
    description: "Page size, 1..200 (default 50)"
  }),
  order: Schema.optional(Schema.Literal("asc", "desc")).annotations({
    description: "By (ts, seq); default asc"
  }),
  cursor: Schema.optional(Schema.String).annotations({ description: "nextCursor of the previous page" })
})

export const MessagesPage = Schema.Struct({
  sessionId: SessionId,
  order: Schema.Literal("asc", "desc"),
  items: Schema.Array(MessageView),
  nextCursor: Schema.NullOr(Schema.String)
}).annotations({ identifier: "MessagesPage" })

export const ContextQuery = Schema.Struct({ for: Schema.Literal("chat", "classifier") })

export const ContextResponse = Schema.Struct({
  sessionId: SessionId,
  for: Schema.Literal("chat", "classifier"),
  limit: Schema.Number,
  systemPrompt: Schema.String,
  source: Schema.Literal("store", "memory"),
  reason: Schema.Literal("store", "not_persisted", "configured", "store_error", "store_empty").annotations({
    description: "Why this source served the window"
  }),
  contextUnavailable: Schema.Boolean.annotations({
    description:
      "True when the session has had messages this process's memory does not hold: an opted-out session's earlier messages live only in the memory of the process that received them (route by session, docs/deploy.md), or were lost when it stopped. The window then lacks them."
  }),
  messages: Schema.Array(MessageView)
}).annotations({ identifier: "ContextWindow" })

export const StopReplyResponse = Schema.Struct({
  sessionId: SessionId,
  /** Whether this process was streaming a reply of the session, now stopped. */
  stopped: Schema.Boolean
}).annotations({ identifier: "StoppedReply" })

export const DeleteSessionResponse = Schema.Struct({
  sessionId: SessionId,
  deleted: Schema.Number
}).annotations({
  identifier: "DeletedSession"
})

export const PrivacySettingsBody = Schema.Struct({ transcriptPersistenceOptOut: Schema.Boolean }).annotations(
  {
    identifier: "PrivacySettings"
  }
)

export const UserPrivacyResponse = Schema.Struct({
  userId: UserId,
  transcriptPersistenceOptOut: Schema.Boolean
}).annotations({ identifier: "UserPrivacySettings" })

export const SessionPrivacyResponse = Schema.Struct({
  sessionId: SessionId,
  transcriptPersistenceOptOut: Schema.Boolean
}).annotations({ identifier: "SessionPrivacySettings" })

export const SessionPrivacyView = Schema.Struct({
  sessionId: SessionId,
  transcriptPersistenceOptOut: Schema.Boolean.annotations({
    description: "The opt-out this session follows for the calling user"
  }),
  source: Schema.Literal("session", "user", "default").annotations({
    description:
      "session: its own override; user: the user's setting; default: neither was set (not opted out)"
  })
}).annotations({ identifier: "SessionPrivacyView" })

export const AuthConfigResponse = Schema.Struct({
  mode: Schema.Literal("local", "oidc").annotations({
    description: "local: no sign-in (the service trusts its loopback callers); oidc: sign in with the issuer"
  }),
  issuer: Schema.NullOr(Schema.String).annotations({ description: "The OpenID provider (oidc mode)" }),
  audience: Schema.NullOr(Schema.String).annotations({
    description: "The audience (resource) access tokens must be issued for (oidc mode)"
  }),
  clientId: Schema.NullOr(Schema.String).annotations({
    description: "The web app's client id at the issuer (OIDC_WEB_CLIENT_ID)"
  })
}).annotations({ identifier: "AuthConfig" })

export const HealthResponse = Schema.Struct({ status: Schema.Literal("ok") }).annotations({
  identifier: "Health"
})
export const ReadyResponse = Schema.Struct({ status: Schema.Literal("ready") }).annotations({
  identifier: "Ready"
})

export const ChatQuery = Schema.Struct({
  prompt: MessageText.annotations({ description: "The user's message" }),
  messageId: Schema.optional(MessageId).annotations({
    description: "The user message's id; generated when absent"
  })
})

const ChatGroupHeader = Schema.optional(
  GroupId.annotations({
    description:
      "Metadata only: stored on the prompt and the reply, never used to select the context (that is by session only)"
  })
)

export const ChatGetHeaders = Schema.Struct({
  "x-session-id": SessionId.annotations({
    description: "Required: the session the prompt belongs to; its last messages are the context"
  }),
  "x-group-id": ChatGroupHeader
})

export const ChatRequest = Schema.Struct({
  sessionId: Schema.optional(SessionId).annotations({ description: "Or send it as the x-session-id header" }),
  prompt: MessageText.annotations({ description: "The user's message" }),
  messageId: Schema.optional(MessageId).annotations({
    description: "The user message's id; generated when absent"
  }),
  groupId: Schema.optional(GroupId).annotations({
    description: "Metadata only, as the x-group-id header: never used to select the context"
  }),
  replaces: Schema.optional(MessageId).annotations({
    description:
      "Regenerates: the id of a finished coach reply in this session that this turn's reply replaces. " +
      "That reply is kept in the transcript, marked replaced, and left out of every context window; " +
      "send the prompt it answered with its messageId. 404 reply_not_found when the session holds no such reply"
  })
}).annotations({ identifier: "ChatRequest", parseOptions: { errors: "all" } })

export const ChatPostHeaders = Schema.Struct({
  "x-session-id": Schema.optional(
    SessionId.annotations({
      description: "The session, when the body has no sessionId (one of the two is required)"
    })
  ),
  "x-group-id": ChatGroupHeader
})

export const EventStream = Schema.String.pipe(
  HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/event-stream" })
).annotations({
  description:
    "Server-Sent Events in the AI SDK UI message stream protocol (v1, header x-vercel-ai-ui-message-stream): " +
    "start {messageId, messageMetadata}, text-start, text-delta*, text-end, then finish or error, then data: [DONE]. " +
    "The start's messageMetadata holds requestId, userMessageId, contextMessages, contextTokens, provider, model and " +
    "contextUnavailable: true when the session has had messages this process's memory does not hold (an opted-out " +
    "session whose earlier messages another process received: route by session, docs/deploy.md), so the model " +
    "answered without them. A process shutting down ends an open stream with text-end and an error part."
})

export const ClassificationView = Schema.Struct({
  decision: BoundaryDecision.annotations({ description: "The classifier's answer" }),
  applied: BoundaryDecision.annotations({
    description: "What was acted on: a boundary below CLASSIFIER_MIN_CONFIDENCE is not"
  }),
  confidence: Schema.Number,
  groupId: Schema.NullOr(GroupId).annotations({
    description: "The interaction group the message joined, if any"
  })
}).annotations({ identifier: "Classification" })

export const InteractionGroupView = Schema.Struct({
  groupId: Answered.GroupId,
  status: Schema.Literal("open", "closed"),
  openedAt: Schema.Number,
  closedAt: Schema.NullOr(Schema.Number),
  closeReason: Schema.NullOr(Schema.Literal("ended", "restarted", "idle")),
  messages: Schema.Number,
  assessmentRequested: Schema.Boolean
}).annotations({ identifier: "InteractionGroup" })

export const GroupsResponse = Schema.Struct({
  sessionId: SessionId,
  groups: Schema.Array(InteractionGroupView)
}).annotations({ identifier: "SessionGroups" })

export const GroupPath = Schema.Struct({ groupId: GroupId })

export const AssessmentView = Schema.Struct({
  groupId: Answered.GroupId,
  sessionId: Answered.SessionId,
  status: Schema.Literal("pending", "running", "completed", "failed").annotations({
    description:
      "pending: queued or waiting to retry; running: a worker holds it; completed; failed: for good"
  }),
  attempts: Schema.Number.annotations({ description: "Attempts started so far" }),
  queuedAt: Schema.Number.annotations({
    description: "When the group closed and its assessment was queued (ms)"
  }),
  updatedAt: Schema.Number,
  failureReason: Schema.NullOr(Schema.String).annotations({
    description: "Why the last attempt failed (also while a retry is pending)"
  }),
  result: Schema.NullOr(AssessmentResult.annotations({ identifier: "AssessmentResult" }))
}).annotations({ identifier: "Assessment" })

export const SessionAssessments = Schema.Struct({
  sessionId: SessionId,
  assessments: Schema.Array(AssessmentView)
}).annotations({ identifier: "SessionAssessments" })

export const UserAssessments = Schema.Struct({
  assessments: Schema.Array(AssessmentView).annotations({
    description: "Oldest first: the newest 200 assessments of the caller's 50 most recently active sessions"
  })
}).annotations({ identifier: "UserAssessments" })

export const ChatModelView = Schema.Struct({
  provider: Schema.String.annotations({ description: "offline, or openai (any OpenAI-compatible server)" }),
  model: Schema.String,
  offline: Schema.Boolean.annotations({
    description: "true: the built-in offline coach answers; no language model is connected"
  })
}).annotations({ identifier: "ChatModel" })

export const SessionsQuery = Schema.Struct({
  limit: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100))).annotations({
    description: "Page size, 1..100 (default 20)"
  }),
  cursor: Schema.optional(Schema.String).annotations({ description: "nextCursor of the previous page" })
})

export const SessionSummaryView = Schema.Struct({
  sessionId: Answered.SessionId,
  title: Schema.NullOr(Schema.String).annotations({
    description:
      "The first stored user message, trimmed and cut to 80 characters; null when none is stored (an opted-out session)"
  }),
  createdAt: Schema.Number.annotations({
    description: "When the session was first written to (ms since epoch)"
  }),
  lastActivityAt: Schema.Number.annotations({
    description:
      "The ts of its latest message, stored or kept only in memory (an opted-out session's), or createdAt when it has none (ms since epoch)"
  }),
  messageCount: Schema.Number.annotations({
    description:
      "Every message of the session: those in the durable store and those of an opted-out session kept only in a process's memory (counted, their text not stored)"
  }),
  interactionOpen: Schema.Boolean.annotations({ description: "Whether an interaction group is open now" })
}).annotations({ identifier: "SessionSummary" })

export const SessionsPage = Schema.Struct({
  sessions: Schema.Array(SessionSummaryView).annotations({ description: "Newest activity first" }),
  nextCursor: Schema.NullOr(Schema.String).annotations({ description: "Pass as cursor for the next page" })
}).annotations({ identifier: "SessionsPage" })

export const ExportedSession = Schema.Struct({
  ...SessionSummaryView.fields,
  transcriptPersistenceOptOut: Schema.NullOr(Schema.Boolean).annotations({
    description: "The session's own privacy override; null when none is set"
  }),
  messages: Schema.Array(MessageView).annotations({
    description: "The stored transcript in (ts, seq) order"
  }),
  groups: Schema.Array(InteractionGroupView),
  assessments: Schema.Array(AssessmentView)
}).annotations({ identifier: "ExportedSession" })

export const UserDataExport = Schema.Struct({
  userId: UserId,
  exportedAt: Schema.Number.annotations({ description: "When the export was read (ms since epoch)" }),
  transcriptPersistenceOptOut: Schema.NullOr(Schema.Boolean).annotations({
    description: "The user's own privacy setting; null when never set"
  }),
  sessions: Schema.Array(ExportedSession).annotations({ description: "Newest activity first" })
}).annotations({ identifier: "UserDataExport" })

export const DeletedUserData = Schema.Struct({
  userId: UserId,
  sessions: Schema.Number.annotations({ description: "Sessions deleted, with everything in them" }),
  messages: Schema.Number.annotations({ description: "Stored transcript messages deleted" }),
  groups: Schema.Number.annotations({ description: "Interaction groups deleted" }),
  assessments: Schema.Number.annotations({ description: "Assessment jobs and results deleted" }),
  privacySettings: Schema.Number.annotations({
    description: "Privacy settings deleted: the user's own and the sessions' overrides"
  })
}).annotations({ identifier: "DeletedUserData" })
