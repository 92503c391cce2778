import {
  FileSystem,
  HttpApiBuilder,
  HttpApp,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse,
  HttpTraceContext
} from "@effect/platform"
import { Cause, Clock, Duration, Effect, FiberRef, HashMap, Layer, Metric, Option } from "effect"
import { CurrentRequest } from "../../application/current-request.ts"
import { LogLine, writeLogLine } from "../../application/log-line.ts"
import { updateMetric, updateMetrics } from "../../application/metrics.ts"
import { IdGenerator } from "../../application/ports/id-generator.ts"
import { annotateSpan, spanWhenTraced } from "../../application/traced.ts"
import {
  BadRequest,
  failRetryLater,
  failWith,
  InternalError,
  isEnvelope,
  NotFound,
  PayloadTooLarge,
  renderEnvelope,
  ServiceUnavailable
} from "./api-errors.ts"
import { type EdgePolicy, guard } from "./edge.ts"
import { handlerDeadlines } from "./handler-deadlines.ts"
import { httpRequestDurationBy, overloadRefusals, requestsInFlight } from "./http-metrics.ts"
import { withinJsonDepth } from "./json-depth.ts"
import { isWellFormedRequestId } from "./request-id.ts"
import { routeOf } from "./routes.ts"
import { ServerShutdown } from "./shutdown.ts"

export interface RequestPolicy {
  readonly maxBodyBytes: number
  /** Requests whose handler runs at once; past it, 503 with `Retry-After` (operator routes exempt). */
  readonly maxRequestsInFlight: number
  /** A handler that has not produced its response after this long is answered 503. */
  readonly handlerTimeout: Duration.Duration
  readonly edge: EdgePolicy
}

interface DecodeIssue {
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
}

const describeIssues = (issues: ReadonlyArray<DecodeIssue>) =>
  issues
    .map(
      (issue) => `${issue.path.length === 0 ? "request" : issue.path.map(String).join(".")}: ${issue.message}`
    )
    .join("; ")

const isDecodeError = (error: unknown): error is { readonly issues: ReadonlyArray<DecodeIssue> } =>
  typeof error === "object" && error !== null && (error as { _tag?: unknown })._tag === "HttpApiDecodeError"

/** Every failure a request can meet, as the one error envelope. */
const toEnvelope = (cause: Cause.Cause<unknown>) => {
  const error = Cause.squash(cause)
  if (isEnvelope(error)) return Effect.succeed(error)
  if (isDecodeError(error))
    return Effect.flip(failWith(BadRequest, "invalid_request", describeIssues(error.issues)))
  if (HttpServerError.isServerError(error) && error._tag === "RouteNotFound") {
    return Effect.flip(
      failWith(NotFound, "not_found", `no route for ${error.request.method} ${error.request.url}`)
    )
  }
  if (HttpServerError.isServerError(error) && error._tag === "RequestError") {
    return (error.cause as Error | undefined)?.message === "maxBytes exceeded"
      ? Effect.flip(failWith(PayloadTooLarge, "payload_too_large", "body exceeds the size limit"))
      : Effect.flip(failWith(BadRequest, "malformed_body", "the body could not be read as JSON"))
  }
  return Effect.logError("unhandled failure", cause).pipe(
    Effect.zipRight(Effect.flip(failWith(InternalError, "internal", "an unexpected error occurred")))
  )
}

/**
 * A body declared larger than the limit is refused before it is read; one that grows past it is cut
 * while read, by the platform's `MaxBodySize`, which `layer` sets once for every request rather than
 * per request (`withMaxBodySize` copies the request's services to provide it).
 */
const withinBodyLimit =
  (maxBodyBytes: number) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E | PayloadTooLarge, R> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): HttpApp.Default<E | PayloadTooLarge, R> =>
      Number(request.headers["content-length"] ?? 0) > maxBodyBytes
        ? failWith(PayloadTooLarge, "payload_too_large", `body exceeds ${maxBodyBytes} bytes`)
        : app
    )

/**
 * A handler that has not produced its response by the deadline is interrupted and answered 503. A
 * chat stream's response is produced before its first event, so its turn runs under the turn's own
 * deadlines, not this one. What the handler set for the response (a 429's Retry-After) is taken
 * back on failure as well: it ran as an exit.
 */
const withinDeadline =
  (timeout: Duration.Duration, deadline: Effect.Effect.Success<ReturnType<typeof handlerDeadlines>>) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E | ServiceUnavailable, R> =>
    Effect.flatMap(deadline(app), (outcome): HttpApp.Default<E | ServiceUnavailable, R> =>
      outcome !== "expired"
        ? outcome
        : Effect.logWarning("handler deadline exceeded").pipe(
            Effect.zipRight(
              failWith(
                ServiceUnavailable,
                "deadline_exceeded",
                `no response within ${Duration.format(timeout)}; retry later`
              )
            )
          )
    )

/** What an operator needs during an overload: never counted in flight, never refused for it. */
const OPERATOR_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"])

/** Requests are short: one in flight is usually done within a second. */
const IN_FLIGHT_RETRY_AFTER_SECONDS = 1

const refusedInFlight = Metric.tagged(overloadRefusals, "reason", "requests_in_flight")

/**
 * Past `max` requests whose handler is still running, a new one is answered 503 with `Retry-After`
 * before any of it is read. A request counts until its handler produces the response: a chat stream
 * then counts under the stream caps, not here.
 */
const withinInFlightLimit = (max: number) => {
  let inFlight = 0
  const enter = Effect.suspend(() => updateMetric(requestsInFlight, ++inFlight))
  const leave = Effect.suspend(() => updateMetric(requestsInFlight, --inFlight))
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E | ServiceUnavailable, R> =>
    Effect.suspend((): HttpApp.Default<E | ServiceUnavailable, R> =>
      inFlight < max
        ? Effect.acquireUseRelease(
            enter,
            () => app,
            () => leave
          )
        : updateMetric(refusedInFlight, 1).pipe(
            Effect.zipRight(Effect.logWarning("request refused: too many requests in flight")),
            Effect.zipRight(
              failRetryLater(
                ServiceUnavailable,
                "overloaded",
                `the service has ${max} requests in flight; retry in ${IN_FLIGHT_RETRY_AFTER_SECONDS} s`,
                IN_FLIGHT_RETRY_AFTER_SECONDS
              )
            )
          )
    )
}

/** A client told to retry after a refusal at shutdown: the load balancer has another process by then. */
const SHUTDOWN_RETRY_AFTER_SECONDS = 1

/**
 * From shutdown on, every response closes its connection, and a new request (but to an operator
 * route: probes and scrapes still get their answer) is refused with 503 `shutting_down`.
 */
const whileDraining =
  (shutdown: ServerShutdown["Type"], operator: boolean) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E | ServiceUnavailable, R> =>
    Effect.flatMap(shutdown.draining, (draining): HttpApp.Default<E | ServiceUnavailable, R> => {
      if (!draining) return app
      const closing = HttpApp.appendPreResponseHandler((_, response) =>
        Effect.succeed(HttpServerResponse.setHeader(response, "connection", "close"))
      )
      const refused = failRetryLater(
        ServiceUnavailable,
        "shutting_down",
        `this process is shutting down; retry in ${SHUTDOWN_RETRY_AFTER_SECONDS} s`,
        SHUTDOWN_RETRY_AFTER_SECONDS
      )
      const next: HttpApp.Default<E | ServiceUnavailable, R> = operator ? app : refused
      return Effect.zipRight(closing, next)
    })

/**
 * Serves one request under its id: failures as envelopes, metric and its one log line, which the
 * events of its work join (`LogLine`). A request interrupted (its client gone) still writes its line,
 * with what its work did before.
 */
const serveIdentified = (
  app: HttpApp.Default<unknown>,
  request: HttpServerRequest.HttpServerRequest,
  route: string,
  requestId: string
) => {
  const line = new LogLine()
  return Effect.gen(function* () {
    // The server runs each request in a fiber of its own: what is set on it here holds for the rest of
    // the request, with nothing to restore. `Effect.locally` (and `annotateLogs`) would keep a
    // restoring frame on the fiber for as long as the response lasts, an open chat stream's included
    // (docs/decisions/2026-12-02-request-state-and-metric-updates.md).
    yield* FiberRef.set(CurrentRequest, { requestId, line })
    yield* FiberRef.update(FiberRef.currentLogAnnotations, (annotations) =>
      HashMap.set(HashMap.set(annotations, "requestId", requestId), "route", route)
    )
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", requestId))
    )
    const startedAt = yield* Clock.currentTimeNanos
    const elapsedMs = Effect.map(Clock.currentTimeNanos, (now) => Number(now - startedAt) / 1e6)
    const writeLine = (status: string, durationMs: number) =>
      writeLogLine(line, "http request", { method: request.method, status, durationMs })
    const response = yield* app.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause) ? Effect.interrupt : Effect.map(toEnvelope(cause), renderEnvelope)
      ),
      Effect.onInterrupt(() =>
        Effect.flatMap(elapsedMs, (durationMs) => writeLine("interrupted", durationMs))
      )
    )
    const durationMs = yield* elapsedMs
    const status = String(response.status)
    yield* annotateSpan({ "http.response.status_code": response.status })
    yield* updateMetric(httpRequestDurationBy(request.method, route, status), durationMs / 1000)
    yield* writeLine(status, durationMs)
    return response
  }).pipe(
    // The server span is ours, not the platform's: its tracer records the full URL (a GET chat
    // prompt is in the query) and every header (raw session ids). This one names the route
    // pattern and continues the caller's trace (`traceparent`).
    spanWhenTraced(`${request.method} ${route}`, {
      kind: "server",
      parent: Option.getOrUndefined(HttpTraceContext.fromHeaders(request.headers)),
      attributes: { "http.request.method": request.method, "http.route": route, "http.request_id": requestId }
    })
  )
}

/**
 * The one place every request passes: assigns the request id (an honoured `x-request-id`, else a
 * new one) on the response, logs and spans; refuses new requests once shutdown has begun (but to
 * operator routes); applies the in-flight cap (but to operator routes), the edge checks (host, CORS, JSON bodies), the body limit, the nesting limit and the handler deadline;
 * renders every failure — schema, malformed JSON, unknown route, defect — as the one error envelope;
 * and records the request's duration by route and status, with one log line.
 */
export const layer = (policy: RequestPolicy) =>
  Layer.merge(
    Layer.succeed(HttpServerRequest.MaxBodySize, Option.some(FileSystem.Size(policy.maxBodyBytes))),
    middleware(policy)
  )

const middleware = (policy: RequestPolicy) =>
  HttpApiBuilder.middleware(
    Effect.gen(function* () {
      const ids = yield* IdGenerator
      const shutdown = yield* ServerShutdown
      // From the start, at 0: an alert's `rate` needs a series before its first refusal.
      yield* updateMetrics((update) => {
        update(refusedInFlight, 0)
        update(requestsInFlight, 0)
      })
      const checked = guard(policy.edge)
      const limited = withinBodyLimit(policy.maxBodyBytes)
      const bounded = withinDeadline(policy.handlerTimeout, yield* handlerDeadlines(policy.handlerTimeout))
      const admitted = withinInFlightLimit(policy.maxRequestsInFlight)
      return (app) => {
        const guarded = bounded(checked(limited(withinJsonDepth(app))))
        const counted = admitted(guarded)
        return Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const route = routeOf(request.method, request.url)
          const given = request.headers["x-request-id"]
          const requestId = isWellFormedRequestId(given) ? given : yield* ids.next
          const operator = OPERATOR_ROUTES.has(route)
          return yield* serveIdentified(
            whileDraining(shutdown, operator)(operator ? guarded : counted),
            request,
            route,
            requestId
          )
        })
      }
    })
  )
