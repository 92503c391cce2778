import {
  FetchHttpClient,
  HttpApi,
  HttpApiClient,
  HttpClient,
  HttpClientError,
  HttpClientRequest
} from "@effect/platform"
import { Effect, Option, ParseResult, Schema } from "effect"
import { CoachUpApi } from "../../adapters/http/api.ts"
import { isEnvelope } from "../../adapters/http/api-errors.ts"
import { IngestRequest, type MessagesQuery } from "../../adapters/http/schemas.ts"
import { GroupId, SessionId } from "../../domain/ids.ts"

const makeClient = (baseUrl: string, headers: Record<string, string>) =>
  HttpApiClient.make(CoachUpApi, {
    baseUrl,
    transformClient: (client) =>
      client.pipe(
        HttpClient.mapRequest(HttpClientRequest.setHeaders(headers)),
        // A test's call is not part of the service's traces.
        HttpClient.withTracerPropagation(false)
      )
  }).pipe(Effect.provide(FetchHttpClient.layer))

/** The client `HttpApiClient` derives from the service's contract, `CoachUpApi`. */
export type ApiClient = Effect.Effect.Success<ReturnType<typeof makeClient>>

/** A failure the contract declares (an error envelope, decoded), not a transport or decoding one. */
export type DeclaredFailure<E> = Exclude<E, HttpClientError.HttpClientError | ParseResult.ParseError>

const isDeclared = <E>(error: E): error is DeclaredFailure<E> =>
  !HttpClientError.isHttpClientError(error) && !ParseResult.isParseError(error)

export interface CallOptions {
  /** Sent with the request, e.g. `x-user-id` or `x-request-id`. */
  readonly headers?: Record<string, string> | undefined
}

/** Calls the API through its typed client, from async tests. */
export interface ApiCaller {
  /** The decoded success; rejects on any failure. */
  readonly call: <A, E>(
    request: (client: ApiClient) => Effect.Effect<A, E>,
    options?: CallOptions
  ) => Promise<A>
  /** The decoded error envelope of a call expected to fail; rejects when it succeeds or fails otherwise. */
  readonly failure: <A, E>(
    request: (client: ApiClient) => Effect.Effect<A, E>,
    options?: CallOptions
  ) => Promise<DeclaredFailure<E>>
}

/** The typed client of the service at `baseUrl`. */
export const apiCaller = (baseUrl: string): ApiCaller => ({
  call: (request, options = {}) =>
    Effect.runPromise(Effect.flatMap(makeClient(baseUrl, options.headers ?? {}), request)),
  failure: (request, options = {}) =>
    Effect.runPromise(
      Effect.flatMap(makeClient(baseUrl, options.headers ?? {}), request).pipe(
        Effect.matchEffect({
          onSuccess: (value) => Effect.dieMessage(`expected a failure, got ${JSON.stringify(value)}`),
          onFailure: (error) => (isDeclared(error) ? Effect.succeed(error) : Effect.die(error))
        })
      )
    )
})

const decodeIngestRequest = Schema.decodeSync(IngestRequest)

/** `POST /messages/ingest` of a message written as plain JSON. */
export const ingestMessage = (message: typeof IngestRequest.Encoded) => (client: ApiClient) =>
  client.messages.ingest({ payload: decodeIngestRequest(message), headers: {} })

/** `POST /messages/ingest` of a user message; answers how it was classified (every user message is). */
export const userMessageClassified =
  (message: { readonly sessionId: string; readonly messageId: string; readonly text: string }) =>
  (client: ApiClient) =>
    Effect.flatMap(ingestMessage({ ...message, role: "user" })(client), ({ classification }) =>
      classification === undefined
        ? Effect.dieMessage(`user message ${message.messageId} answered without a classification`)
        : Effect.succeed(classification)
    )

/** `GET /groups/:groupId/assessment`. */
export const groupAssessment = (groupId: string) => (client: ApiClient) =>
  client.assessments.groupAssessment({ path: { groupId: GroupId.make(groupId) } })

/** The path of a session's resources. */
export const sessionPath = (sessionId: string) => ({ path: { sessionId: SessionId.make(sessionId) } })

/** `GET /sessions/:sessionId/messages`: one page of the stored transcript. */
export const sessionMessages =
  (sessionId: string, urlParams: typeof MessagesQuery.Type = {}) =>
  (client: ApiClient) =>
    client.sessions.listMessages({ ...sessionPath(sessionId), urlParams })

/** `GET /sessions/:sessionId/context?for=…`: the context window a model would see now. */
export const sessionContext = (sessionId: string, purpose: "chat" | "classifier") => (client: ApiClient) =>
  client.sessions.context({ ...sessionPath(sessionId), urlParams: { for: purpose } })

/** `PUT /sessions/:sessionId/privacy`: the session's own opt-out. */
export const setSessionOptOut = (sessionId: string, optOut: boolean) => (client: ApiClient) =>
  client.sessions.setSessionPrivacy({
    ...sessionPath(sessionId),
    payload: { transcriptPersistenceOptOut: optOut }
  })

/** `PUT /settings/privacy`: the calling user's opt-out. */
export const setUserOptOut = (optOut: boolean) => (client: ApiClient) =>
  client.privacy.setUserPrivacy({ payload: { transcriptPersistenceOptOut: optOut } })

/** `DELETE /sessions/:sessionId`. */
export const deleteSession = (sessionId: string) => (client: ApiClient) =>
  client.sessions.deleteSession(sessionPath(sessionId))

/** The error schema the contract declares for each status, over all its endpoints. */
const declaredErrors = new Map<number, Schema.Schema<unknown, unknown>>()
HttpApi.reflect(CoachUpApi, {
  onGroup: () => undefined,
  onEndpoint: ({ errors }) => {
    for (const [status, { ast }] of errors) {
      if (Option.isSome(ast)) declaredErrors.set(status, Schema.make(ast.value))
    }
  }
})

/** The error envelope of a reply read on the wire, decoded with the contract's schema for its status. */
export const errorEnvelope = (reply: { readonly status: number; readonly body: unknown }) => {
  const schema = declaredErrors.get(reply.status)
  if (schema === undefined) throw new Error(`the contract declares no error for status ${reply.status}`)
  const error = Schema.decodeUnknownSync(schema)(reply.body)
  if (!isEnvelope(error)) throw new Error(`status ${reply.status} answered ${JSON.stringify(reply.body)}`)
  return error
}
