import { HttpApiSchema, HttpApp, HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import type {
  InvalidCursor,
  MessageConflict,
  ReplyNotFound,
  SessionNotFound,
  SessionRequired,
  StoreUnavailable,
  WriteRefused
} from "../../domain/errors.ts"
import { currentRequestId } from "./request-id.ts"

/** The body of every failure: `{ "error": { "code", "message", "requestId" } }`. */
const ErrorDetail = Schema.Struct({
  code: Schema.String.annotations({ description: "Stable snake_case error code" }),
  message: Schema.String.annotations({ description: "What went wrong, for a person" }),
  requestId: Schema.String.annotations({ description: "The request's x-request-id" })
})
const fields = { error: ErrorDetail }

export class BadRequest extends Schema.Class<BadRequest>("BadRequest")(
  fields,
  HttpApiSchema.annotations({
    status: 400,
    description: "The request is malformed; the message names the field"
  })
) {}

export class Unauthorized extends Schema.Class<Unauthorized>("Unauthorized")(
  fields,
  HttpApiSchema.annotations({
    status: 401,
    description: "No valid bearer token; WWW-Authenticate says so, the logs say why"
  })
) {}

export class Forbidden extends Schema.Class<Forbidden>("Forbidden")(
  fields,
  HttpApiSchema.annotations({
    status: 403,
    description: "The token is valid but may not do this (only a service client may send x-user-id)"
  })
) {}

export class NotFound extends Schema.Class<NotFound>("NotFound")(
  fields,
  HttpApiSchema.annotations({
    status: 404,
    description: "No such resource; a session the caller does not own is not found (session_not_found)"
  })
) {}

export class Conflict extends Schema.Class<Conflict>("Conflict")(
  fields,
  HttpApiSchema.annotations({
    status: 409,
    description: "The session stores the messageId with other content"
  })
) {}

export class PayloadTooLarge extends Schema.Class<PayloadTooLarge>("PayloadTooLarge")(
  fields,
  HttpApiSchema.annotations({ status: 413, description: "The body exceeds the size limit" })
) {}

export class UnsupportedMediaType extends Schema.Class<UnsupportedMediaType>("UnsupportedMediaType")(
  fields,
  HttpApiSchema.annotations({
    status: 415,
    description: "A request body that is not application/json; refused before it is read"
  })
) {}

export class MisdirectedRequest extends Schema.Class<MisdirectedRequest>("MisdirectedRequest")(
  fields,
  HttpApiSchema.annotations({
    status: 421,
    description: "The Host header names a host this service does not serve (ALLOWED_HOSTS)"
  })
) {}

export class TooManyRequests extends Schema.Class<TooManyRequests>("TooManyRequests")(
  fields,
  HttpApiSchema.annotations({
    status: 429,
    description:
      "Over the request budget (rate_limited) or the user's open chat streams (too_many_streams_per_user); Retry-After says when to retry"
  })
) {}

export class InternalError extends Schema.Class<InternalError>("InternalError")(
  fields,
  HttpApiSchema.annotations({
    status: 500,
    description: "An unexpected failure; the requestId finds it in the logs"
  })
) {}

export class ServiceUnavailable extends Schema.Class<ServiceUnavailable>("ServiceUnavailable")(
  fields,
  HttpApiSchema.annotations({
    status: 503,
    description:
      "The store cannot serve this request now, it missed its deadline, or the service is at capacity (too_many_streams, overloaded) or this process is shutting down (shutting_down); retry later, after Retry-After's seconds when the response has one"
  })
) {}

type ErrorClass<A> = new (props: { readonly error: typeof ErrorDetail.Type }) => A

/** Fails with one of the envelope errors, stamped with the current request id. */
export const failWith = <A>(errorClass: ErrorClass<A>, code: string, message: string) =>
  Effect.flatMap(currentRequestId, (requestId) =>
    Effect.fail(new errorClass({ error: { code, message, requestId } }))
  )

/**
 * As `failWith`, and the response says in how many whole seconds to retry (`Retry-After`). The header
 * goes on the response only while it is still this error's status, not on whatever replaced it.
 */
export const failRetryLater = <A>(
  errorClass: ErrorClass<A>,
  code: string,
  message: string,
  retryAfterSeconds: number
) => {
  const status = HttpApiSchema.getStatusError(errorClass as unknown as Schema.Schema.Any)
  return HttpApp.appendPreResponseHandler((_, response) =>
    Effect.succeed(
      response.status === status
        ? HttpServerResponse.setHeader(response, "retry-after", String(retryAfterSeconds))
        : response
    )
  ).pipe(Effect.zipRight(failWith(errorClass, code, message)))
}

const envelopes = [
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  Conflict,
  PayloadTooLarge,
  UnsupportedMediaType,
  MisdirectedRequest,
  TooManyRequests,
  InternalError,
  ServiceUnavailable
] as const
type Envelope = InstanceType<(typeof envelopes)[number]>

export const isEnvelope = (error: unknown): error is Envelope =>
  envelopes.some((envelopeClass) => error instanceof envelopeClass)

type DomainError =
  | MessageConflict
  | SessionNotFound
  | ReplyNotFound
  | SessionRequired
  | InvalidCursor
  | StoreUnavailable
  | WriteRefused

/** The envelope each domain or port error becomes; envelopes stay as they are. */
export type HttpErrorOf<E> = E extends Envelope
  ? E
  : E extends MessageConflict
    ? Conflict
    : E extends SessionNotFound | ReplyNotFound
      ? NotFound
      : E extends StoreUnavailable | WriteRefused
        ? ServiceUnavailable
        : E extends SessionRequired | InvalidCursor
          ? BadRequest
          : never

const refusals: Record<WriteRefused["reason"], string> = {
  outbox_full: "the store is unavailable and the outbox is full",
  outbox_unavailable: "neither the store nor the outbox can take writes",
  privacy_unknown: "the store is unavailable and this session's privacy setting is not known"
}

/**
 * When a client refused for a store that did not answer should try again: a store call's deadline
 * (`STORE_TIMEOUT_MS`) is 2 s by default, so a sooner retry would mostly meet the same outage.
 */
const STORE_RETRY_AFTER_SECONDS = 2

const fromDomain = (error: DomainError) => {
  switch (error._tag) {
    case "MessageConflict":
      return failWith(
        Conflict,
        "message_conflict",
        `messageId ${error.messageId} was already stored with different content`
      )
    case "SessionNotFound":
      return failWith(NotFound, "session_not_found", `no session ${error.sessionId}`)
    case "ReplyNotFound":
      return failWith(NotFound, "reply_not_found", `no finished reply ${error.messageId} in this session`)
    case "SessionRequired":
      return failWith(BadRequest, "session_required", error.message)
    case "InvalidCursor":
      return failWith(BadRequest, "invalid_cursor", "cursor is not one this service issued")
    case "StoreUnavailable":
      return failRetryLater(
        ServiceUnavailable,
        "store_unavailable",
        `the store is unavailable (${error.operation}); retry in ${STORE_RETRY_AFTER_SECONDS} s`,
        STORE_RETRY_AFTER_SECONDS
      )
    case "WriteRefused":
      return failRetryLater(
        ServiceUnavailable,
        "store_unavailable",
        `${refusals[error.reason]}: the message was not kept; retry in ${error.retryAfterSeconds} s`,
        error.retryAfterSeconds
      )
  }
}

/** Domain and port errors as the HTTP contract states them. */
export const mapDomainErrors = <A, E extends DomainError | Envelope, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, HttpErrorOf<E>, R> =>
  Effect.catchAll(
    effect,
    (error) =>
      (isEnvelope(error) ? Effect.fail(error) : fromDomain(error)) as Effect.Effect<never, HttpErrorOf<E>>
  )

/** The response for an envelope error: its body as the contract states it, its class's status. */
export const renderEnvelope = (error: Envelope) =>
  HttpServerResponse.unsafeJson(
    { error: error.error },
    { status: HttpApiSchema.getStatusError(error.constructor as unknown as Schema.Schema.Any) }
  )
