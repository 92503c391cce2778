import { Metric, MetricBoundaries } from "effect"
import { seriesBy } from "../../application/metrics.ts"

/** Request duration by method, route pattern (never a raw path) and status. */
export const httpRequestDuration = Metric.histogram(
  "coachup_http_request_duration_seconds",
  MetricBoundaries.fromIterable([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "HTTP request duration by method, route and status, in seconds"
)
export const httpRequestDurationBy = seriesBy(httpRequestDuration, "method", "route", "status")

/** Chat streams whose response is still being written; falls back when clients or replies finish. */
export const openStreams = Metric.gauge("coachup_sse_open_streams", {
  description: "Chat streams (Server-Sent Events) open now"
})

/** Requests refused for want of a valid token, by reason (`missing`, `expired`, `unknown_key`, ...). */
export const authenticationFailures = Metric.counter("coachup_http_authentication_failures", {
  description: "Requests refused with 401, by reason",
  incremental: true
})
export const authenticationFailuresBy = seriesBy(authenticationFailures, "reason")

/**
 * Requests refused because the process is at a capacity limit, by reason: `streams` (503, every chat
 * stream slot taken), `streams_per_user` (429, the user's taken), `requests_in_flight` (503).
 */
export const overloadRefusals = Metric.counter("coachup_http_overload_refusals", {
  description:
    "Requests refused at a capacity limit, by reason (streams, streams_per_user, requests_in_flight)",
  incremental: true
})

/** Requests whose handler is running now; a chat stream counts until its response starts. */
export const requestsInFlight = Metric.gauge("coachup_http_requests_in_flight", {
  description: "Requests whose handler has not yet produced its response (operator routes not counted)"
})
