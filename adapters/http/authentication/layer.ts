import { HttpApp, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { updateMetric } from "../../../application/metrics.ts"
import { RateLimitBuckets } from "../../../application/ports/rate-limit-buckets.ts"
import { failWith, Forbidden, ServiceUnavailable, Unauthorized } from "../api-errors.ts"
import { authenticationFailuresBy } from "../http-metrics.ts"
import { limitUnauthenticated, RateLimitPolicy } from "../rate-limit.ts"
import * as AccessTokens from "./access-tokens.ts"
import { localPrincipal, namedUser } from "./local.ts"
import { Authentication } from "./middleware.ts"
import { Principal } from "./principal.ts"
import type { AuthenticationSettings, OidcAuthentication } from "./settings.ts"

const BEARER_SCHEME = /^bearer /i

/**
 * A 401 with `WWW-Authenticate: Bearer` (and `error="invalid_token"` when a token was given).
 * The reason is logged and counted, not told; the address's budget of 401s is spent first (429).
 */
const refuse = (reason: AccessTokens.Rejection | "missing") =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    yield* Effect.logWarning("authentication refused").pipe(Effect.annotateLogs({ reason }))
    yield* updateMetric(authenticationFailuresBy(reason), 1)
    yield* limitUnauthenticated(Option.getOrElse(request.remoteAddress, () => "unknown"))
    const challenge = reason === "missing" ? "Bearer" : 'Bearer error="invalid_token"'
    yield* HttpApp.appendPreResponseHandler((_, response) =>
      Effect.succeed(
        response.status === 401
          ? HttpServerResponse.setHeader(response, "www-authenticate", challenge)
          : response
      )
    )
    return yield* reason === "missing"
      ? failWith(Unauthorized, "missing_token", "this endpoint needs Authorization: Bearer <access token>")
      : failWith(Unauthorized, "invalid_token", "the bearer token is not valid for this service")
  })

const issuerUnavailable = (error: AccessTokens.IssuerUnavailable) =>
  Effect.logError("identity provider unavailable").pipe(
    Effect.annotateLogs({ reason: error.reason }),
    Effect.zipRight(
      failWith(
        ServiceUnavailable,
        "identity_provider_unavailable",
        "tokens cannot be checked now; retry later"
      )
    )
  )

/**
 * The token's subject acts for itself. A service client (`AUTH_SERVICE_CLIENTS`) acts for the user
 * `x-user-id` names, or for itself without one; anyone else sending `x-user-id` is refused (403).
 */
const principalOf = (settings: OidcAuthentication, token: AccessTokens.VerifiedToken) =>
  Effect.gen(function* () {
    const named = yield* namedUser
    const serviceClient = Option.filter(token.clientId, (id) => settings.serviceClients.includes(id))
    if (Option.isSome(serviceClient)) {
      return Principal.ServiceClient({
        clientId: serviceClient.value,
        userId: Option.getOrElse(named, () => token.subject)
      })
    }
    if (Option.isSome(named)) {
      return yield* failWith(
        Forbidden,
        "acting_for_user_not_allowed",
        "only a service client may act for another user (x-user-id)"
      )
    }
    return Principal.User({ userId: token.subject })
  })

const oidc = (settings: OidcAuthentication) =>
  Effect.gen(function* () {
    const tokens = yield* AccessTokens.make(settings)
    // The two services the refusals' rate limit reads, not every service the layer was built with:
    // they are merged into each request's services for the length of its check.
    const limits = Context.pick(
      RateLimitBuckets,
      RateLimitPolicy
    )(yield* Effect.context<RateLimitBuckets | RateLimitPolicy>())
    return Authentication.of({
      bearer: (token) =>
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          // The platform takes whatever follows the first 7 characters; the scheme is checked here.
          const given = BEARER_SCHEME.test(request.headers.authorization ?? "")
            ? Redacted.value(token).trim()
            : ""
          if (given === "") return yield* refuse("missing")
          const verified = yield* tokens.verify(given).pipe(
            Effect.catchTags({
              TokenRejected: (rejected) => refuse(rejected.reason),
              IssuerUnavailable: issuerUnavailable
            })
          )
          return yield* principalOf(settings, verified)
        }).pipe(Effect.provide(limits))
    })
  })

/** The middleware for the configured mode: local trusts the caller, oidc verifies its bearer token. */
export const layer = (settings: AuthenticationSettings) =>
  Layer.effect(
    Authentication,
    settings.mode === "local"
      ? Effect.succeed(Authentication.of({ bearer: () => localPrincipal }))
      : oidc(settings)
  )
