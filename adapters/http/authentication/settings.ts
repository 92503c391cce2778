import { BlockList, isIP } from "node:net"
import { Config, ConfigError, type Duration, Effect, Either, Option } from "effect"
import { commaSeparated, duration, optionalString, optionalUrl } from "../../../application/config-values.ts"

/** `AUTH_MODE=local`: every caller is trusted; allowed only on a loopback HOST. */
export interface LocalAuthentication {
  readonly mode: "local"
}

/** `AUTH_MODE=oidc`: bearer access tokens (JWT) from one issuer, for one audience. */
export interface OidcAuthentication {
  readonly mode: "oidc"
  readonly issuer: string
  readonly audience: string
  /** `AUTH_JWKS_URL`; none: the `jwks_uri` of the issuer's discovery document. */
  readonly jwksUrl: Option.Option<string>
  /** Client ids (`client_id` or `azp`) whose tokens may act for the user `x-user-id` names. */
  readonly serviceClients: ReadonlyArray<string>
  /** The web app's client id, published at `GET /auth/config`. */
  readonly webClientId: Option.Option<string>
  /** After a key set is fetched, a token with an unknown key id refetches it only after this long. */
  readonly keyRefetchCooldown: Duration.Duration
}

export type AuthenticationSettings = LocalAuthentication | OidcAuthentication

/** What the authentication layer reads: `AUTH_*` and `OIDC_WEB_CLIENT_ID`. */
export const config: Config.Config<AuthenticationSettings> = Config.all({
  mode: Config.literal("local", "oidc")("AUTH_MODE").pipe(Config.withDefault("local" as const)),
  issuer: optionalUrl("AUTH_ISSUER", "https://id.example.com/realms/coachup"),
  audience: optionalString("AUTH_AUDIENCE"),
  jwksUrl: optionalUrl("AUTH_JWKS_URL", "https://id.example.com/realms/coachup/certs"),
  serviceClients: commaSeparated("AUTH_SERVICE_CLIENTS"),
  webClientId: optionalString("OIDC_WEB_CLIENT_ID"),
  keyRefetchCooldown: duration("AUTH_JWKS_COOLDOWN_MS", 30_000)
}).pipe(
  Config.mapOrFail(
    ({ mode, issuer, audience, ...oidc }): Either.Either<AuthenticationSettings, ConfigError.ConfigError> => {
      if (mode === "local") return Either.right({ mode })
      if (Option.isSome(issuer) && Option.isSome(audience)) {
        return Either.right({ mode, issuer: issuer.value, audience: audience.value, ...oidc })
      }
      const missing = [
        Option.isNone(issuer) ? "AUTH_ISSUER" : [],
        Option.isNone(audience) ? "AUTH_AUDIENCE" : []
      ].flat()
      return Either.left(
        ConfigError.MissingData(
          ["AUTH_MODE"],
          `AUTH_MODE=oidc needs ${missing.join(" and ")} (docs/security.md)`
        )
      )
    }
  )
)

const loopback = new BlockList()
loopback.addSubnet("127.0.0.0", 8, "ipv4")
loopback.addAddress("::1", "ipv6")

/** 127.0.0.0/8, ::1 (bracketed or not) and `localhost`. */
export const isLoopback = (host: string) => {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase()
  if (bare === "localhost") return true
  const family = isIP(bare)
  return family !== 0 && loopback.check(bare, family === 6 ? "ipv6" : "ipv4")
}

/**
 * Local mode trusts whoever calls, so it refuses to start on an address other machines reach;
 * this runs before the server listens.
 */
export const forHost = (settings: AuthenticationSettings, host: string) =>
  settings.mode === "oidc" || isLoopback(host)
    ? Effect.succeed(settings)
    : Effect.fail(
        ConfigError.InvalidData(
          ["AUTH_MODE"],
          `AUTH_MODE=local trusts every caller, so it serves only a loopback HOST (127.0.0.1, ::1, localhost), ` +
            `not ${host}: set AUTH_MODE=oidc with AUTH_ISSUER, AUTH_AUDIENCE and ALLOWED_HOSTS to serve ` +
            `other machines (docs/security.md)`
        )
      )
