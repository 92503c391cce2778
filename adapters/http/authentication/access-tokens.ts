import { FetchHttpClient, HttpClient, HttpClientResponse } from "@effect/platform"
import { Data, Duration, Effect, Option, Schema, SynchronizedRef } from "effect"
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from "jose"
import { UserId } from "../../../domain/ids.ts"
import type { OidcAuthentication } from "./settings.ts"
import { spanWhenTraced } from "../../../application/traced.ts"

/** Asymmetric signatures only: with an HMAC key, anyone who can verify a token could mint one. */
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519"
]
const CLOCK_SKEW_SECONDS = 60
const ISSUER_TIMEOUT = Duration.seconds(5)

/** Why a token was refused: logged and counted, never told to the caller. */
export type Rejection =
  | "malformed"
  | "expired"
  | "not_yet_valid"
  | "wrong_issuer"
  | "wrong_audience"
  | "missing_claim"
  | "algorithm_not_allowed"
  | "unknown_key"
  | "bad_signature"
  | "invalid_subject"

export class TokenRejected extends Data.TaggedError("TokenRejected")<{ readonly reason: Rejection }> {}

/** The issuer's discovery document or key set could not be read: no token can be checked now. */
export class IssuerUnavailable extends Data.TaggedError("IssuerUnavailable")<{ readonly reason: string }> {}

/** A token that passed every check. */
export interface VerifiedToken {
  readonly subject: UserId
  /** The client it was issued to (`client_id`, else `azp`). */
  readonly clientId: Option.Option<string>
}

const CLAIM_REJECTIONS: Record<string, Rejection> = {
  nbf: "not_yet_valid",
  iat: "not_yet_valid",
  iss: "wrong_issuer",
  aud: "wrong_audience"
}

/** jose's failures as rejections of the token; anything else (network, key set) is the issuer's. */
const classify = (error: unknown): TokenRejected | IssuerUnavailable => {
  const rejected = (reason: Rejection) => new TokenRejected({ reason })
  if (error instanceof errors.JWTExpired) return rejected("expired")
  if (error instanceof errors.JWTClaimValidationFailed)
    return rejected(
      error.reason === "missing" ? "missing_claim" : (CLAIM_REJECTIONS[error.claim] ?? "malformed")
    )
  if (error instanceof errors.JOSEAlgNotAllowed) return rejected("algorithm_not_allowed")
  if (error instanceof errors.JWKSNoMatchingKey) return rejected("unknown_key")
  if (error instanceof errors.JWSSignatureVerificationFailed) return rejected("bad_signature")
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKSMultipleMatchingKeys
  )
    return rejected("malformed")
  const code = error instanceof errors.JOSEError ? error.code : "fetch_failed"
  return new IssuerUnavailable({ reason: `key set: ${code}` })
}

const Discovery = Schema.Struct({ issuer: Schema.String, jwks_uri: Schema.String })

/** The key set's address from `{issuer}/.well-known/openid-configuration`, which must name the same issuer. */
const discoverKeySet = (issuer: string) =>
  Effect.gen(function* () {
    const client = (yield* HttpClient.HttpClient).pipe(HttpClient.filterStatusOk)
    const document = yield* client
      .get(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`)
      .pipe(Effect.flatMap(HttpClientResponse.schemaBodyJson(Discovery)), Effect.scoped)
    if (document.issuer !== issuer) {
      return yield* new IssuerUnavailable({ reason: "discovery document names another issuer" })
    }
    return document.jwks_uri
  }).pipe(
    Effect.timeout(ISSUER_TIMEOUT),
    Effect.catchIf(
      (error) => !(error instanceof IssuerUnavailable),
      (error) => Effect.fail(new IssuerUnavailable({ reason: `discovery: ${error._tag}` }))
    ),
    Effect.provide(FetchHttpClient.layer),
    spanWhenTraced("AccessTokens.discover")
  )

const decodeSubject = Schema.decodeUnknownOption(UserId)

/**
 * Verifies bearer access tokens (JWT) with jose against the issuer's keys. The key set is found
 * on first use (then kept) and cached by jose, which refetches it for a key id it does not know,
 * at most once per cooldown: a provider's key rotation needs no restart.
 */
export const make = (settings: OidcAuthentication) =>
  Effect.gen(function* () {
    const keySetOf = (url: string) =>
      createRemoteJWKSet(new URL(url), {
        cooldownDuration: Duration.toMillis(settings.keyRefetchCooldown),
        timeoutDuration: Duration.toMillis(ISSUER_TIMEOUT)
      })
    const resolved = yield* SynchronizedRef.make(Option.map(settings.jwksUrl, keySetOf))
    // A failed discovery is not kept: the next request tries again.
    const keySet = SynchronizedRef.modifyEffect(resolved, (current) =>
      Option.match(current, {
        onSome: (keys) => Effect.succeed([keys, current] as const),
        onNone: () =>
          Effect.map(discoverKeySet(settings.issuer), (url) => {
            const keys = keySetOf(url)
            return [keys, Option.some(keys)] as const
          })
      })
    )

    const verify = Effect.fnUntraced(function* (token: string) {
      const keys: JWTVerifyGetKey = yield* keySet
      const { payload } = yield* Effect.tryPromise({
        try: () =>
          jwtVerify(token, keys, {
            issuer: settings.issuer,
            audience: settings.audience,
            algorithms: ALGORITHMS,
            clockTolerance: CLOCK_SKEW_SECONDS,
            requiredClaims: ["sub", "exp"]
          }),
        catch: classify
      })
      const subject = decodeSubject(payload.sub)
      if (Option.isNone(subject)) return yield* new TokenRejected({ reason: "invalid_subject" })
      const clientId = Option.firstSomeOf(
        [payload["client_id"], payload["azp"]].map(Option.liftPredicate(isString))
      )
      return { subject: subject.value, clientId } satisfies VerifiedToken
    }, spanWhenTraced("AccessTokens.verify"))

    return { verify }
  })

const isString = (value: unknown): value is string => typeof value === "string"
