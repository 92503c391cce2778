import { HttpApiMiddleware, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BadRequest, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized } from "../api-errors.ts"
import { CurrentPrincipal } from "./principal.ts"

const bearer = HttpApiSecurity.bearer.pipe(
  HttpApiSecurity.annotate(OpenApi.Format, "JWT"),
  HttpApiSecurity.annotate(
    OpenApi.Description,
    "An access token from AUTH_ISSUER for AUTH_AUDIENCE (AUTH_MODE=oidc). With AUTH_MODE=local none is " +
      "needed: the caller is `local`, or the user x-user-id names."
  )
)

/**
 * Identity: every endpoint that reads or writes a user's data sits behind it, and reads the
 * principal it provides, never a header. The implementation depends on `AUTH_MODE` (`layer.ts`).
 */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("Authentication", {
  failure: Schema.Union(Unauthorized, Forbidden, BadRequest, TooManyRequests, ServiceUnavailable),
  provides: CurrentPrincipal,
  security: { bearer }
}) {}
