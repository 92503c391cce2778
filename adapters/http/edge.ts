import { type HttpApp, HttpMiddleware, HttpServerRequest } from "@effect/platform"
import { Config, ConfigError, Effect } from "effect"
import { commaSeparated } from "../../application/config-values.ts"
import { failWith, MisdirectedRequest, UnsupportedMediaType } from "./api-errors.ts"
import type { AuthenticationSettings } from "./authentication/settings.ts"

/** What every request is checked against before a handler sees it. */
export interface EdgePolicy {
  /** Host names (lower case, no port) a request's `Host` may name. */
  readonly allowedHosts: ReadonlyArray<string>
  /** Origins whose browsers may call the API (CORS); none: CORS is off. */
  readonly corsOrigins: ReadonlyArray<string>
}

const HOST_NAME = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)$/

/** What `policyFor` reads: `ALLOWED_HOSTS` and `CORS_ORIGINS`. */
export const config = Config.all({
  allowedHosts: commaSeparated("ALLOWED_HOSTS").pipe(
    Config.map((hosts) => hosts.map((host) => host.toLowerCase())),
    Config.validate({
      message: "ALLOWED_HOSTS lists host names without scheme or port, e.g. coach.example.com,[::1]",
      validation: (hosts) => hosts.every((host) => HOST_NAME.test(host))
    })
  ),
  corsOrigins: commaSeparated("CORS_ORIGINS").pipe(
    Config.validate({
      message:
        "CORS_ORIGINS lists origins (scheme, host, optional port; no path), e.g. https://app.example.com",
      validation: (origins) =>
        origins.every((origin) => URL.canParse(origin) && new URL(origin).origin === origin)
    })
  )
})

/** The names a loopback service answers to by default. */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

/** A bound address as a `Host` header names it: IPv6 in brackets. */
const asHostName = (address: string) =>
  (address.includes(":") && !address.startsWith("[") ? `[${address}]` : address).toLowerCase()

/**
 * `ALLOWED_HOSTS` as given; unset, the loopback names and the bound host in local mode, while
 * oidc mode (a service others reach) must name its hosts.
 */
export const policyFor = (
  values: Config.Config.Success<typeof config>,
  bound: { readonly host: string; readonly authentication: AuthenticationSettings }
) => {
  if (values.allowedHosts.length > 0) return Effect.succeed<EdgePolicy>(values)
  if (bound.authentication.mode === "oidc") {
    return Effect.fail(
      ConfigError.MissingData(
        ["ALLOWED_HOSTS"],
        "AUTH_MODE=oidc needs ALLOWED_HOSTS: the host names clients reach this service by (docs/security.md)"
      )
    )
  }
  return Effect.succeed<EdgePolicy>({
    ...values,
    allowedHosts: [...new Set([...LOOPBACK_HOSTS, asHostName(bound.host)])]
  })
}

/** The host a `Host` header names, without its port. */
const hostNameOf = (header: string) => {
  const lower = header.trim().toLowerCase()
  return lower.startsWith("[") ? lower.slice(0, lower.indexOf("]") + 1) : lower.split(":", 1)[0]!
}

const JSON_MEDIA_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"])

const carriesBody = (request: HttpServerRequest.HttpServerRequest) =>
  BODY_METHODS.has(request.method) ||
  Number(request.headers["content-length"] ?? 0) > 0 ||
  request.headers["transfer-encoding"] !== undefined

/** Origins from the allowlist get the platform's CORS answers; any other origin gets none. */
const corsFor = (origins: ReadonlyArray<string>) => {
  if (origins.length === 0) return <E, R>(app: HttpApp.Default<E, R>) => app
  const allowed = new Set(origins)
  const cors = HttpMiddleware.cors({
    allowedOrigins: origins,
    allowedMethods: ["GET", "POST", "PUT", "DELETE"],
    allowedHeaders: [
      "authorization",
      "content-type",
      "x-request-id",
      "x-session-id",
      "x-group-id",
      "x-user-id"
    ],
    exposedHeaders: ["x-request-id", "retry-after", "www-authenticate"],
    maxAge: 600
  })
  return <E, R>(app: HttpApp.Default<E, R>) => {
    const withCors = cors(app)
    return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      allowed.has(request.headers["origin"] ?? "") ? withCors : app
    )
  }
}

/**
 * The checks before any handler, in order: the `Host` must be allowed (421: a DNS-rebinding page
 * names its own host); CORS preflights are answered for listed origins; a body must be JSON (415,
 * before a byte of it is read: no form or multipart parsing is ever reached).
 */
export const guard = (policy: EdgePolicy) => {
  const allowedHosts = new Set(policy.allowedHosts)
  const withCors = corsFor(policy.corsOrigins)
  return <E, R>(
    app: HttpApp.Default<E, R>
  ): HttpApp.Default<E | UnsupportedMediaType | MisdirectedRequest, R> => {
    const accepted = withCors<E | UnsupportedMediaType, R>(
      Effect.flatMap(
        HttpServerRequest.HttpServerRequest,
        (request): HttpApp.Default<E | UnsupportedMediaType, R> =>
          carriesBody(request) && !JSON_MEDIA_TYPE.test(request.headers["content-type"] ?? "")
            ? failWith(
                UnsupportedMediaType,
                "unsupported_media_type",
                "request bodies must be application/json (charset utf-8)"
              )
            : app
      )
    )
    return Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request): typeof accepted | Effect.Effect<never, MisdirectedRequest> =>
        allowedHosts.has(hostNameOf(request.headers["host"] ?? ""))
          ? accepted
          : failWith(MisdirectedRequest, "host_not_allowed", "this service does not answer for that host")
    )
  }
}
