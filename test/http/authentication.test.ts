import { Logger } from "effect"
import { generateKeyPair, SignJWT, UnsecuredJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { freePort } from "../support/free-port.ts"
import {
  CLIENTS,
  signingKey,
  startOidcProvider,
  type SigningKey,
  type TestProvider,
  WEB_CLIENT_ID
} from "../support/oidc-provider.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { type Reply, startService, type TestService } from "../support/service.ts"

const AUDIENCE = "https://api.coachup.test"

/** Every log line the service writes, as JSON. */
const logged: Array<string> = []
const recordingLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.map(Logger.jsonLogger, (line) => void logged.push(line))
)

const oidcEnv = (provider: TestProvider, env: Record<string, string> = {}) => ({
  AUTH_MODE: "oidc",
  AUTH_ISSUER: provider.issuer,
  AUTH_AUDIENCE: provider.audience,
  AUTH_SERVICE_CLIENTS: CLIENTS.backend.id,
  OIDC_WEB_CLIENT_ID: WEB_CLIENT_ID,
  ALLOWED_HOSTS: "127.0.0.1",
  AUTH_JWKS_COOLDOWN_MS: "200",
  OFFLINE_TOKEN_DELAY_MS: "0",
  ...env
})

let keyA: SigningKey
let provider: TestProvider
let service: TestService
beforeAll(async () => {
  keyA = await signingKey("key-a")
  provider = await startOidcProvider({ audience: AUDIENCE, keys: [keyA] })
  service = await startService({
    stores: memoryStores,
    env: oidcEnv(provider),
    logging: recordingLogs
  })
})
afterAll(async () => {
  await service.close()
  await provider.close()
})

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const privacyOf = (headers: Record<string, string>) =>
  service.request("GET", "/settings/privacy", { headers })
const setOptOut = (headers: Record<string, string>, optOut: boolean) =>
  service.request("PUT", "/settings/privacy", { headers, body: { transcriptPersistenceOptOut: optOut } })

/** A token as the provider would sign it for the web app's user, with `change` applied. */
const forged = async (
  change: {
    readonly subject?: string
    readonly issuer?: string
    readonly audience?: string
    readonly key?: SigningKey
    readonly notBefore?: number
    readonly expires?: number
  } = {}
) => {
  const key = change.key ?? keyA
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ client_id: WEB_CLIENT_ID, scope: "coach" })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "at+jwt" })
    .setIssuer(change.issuer ?? provider.issuer)
    .setAudience(change.audience ?? AUDIENCE)
    .setSubject(change.subject ?? "user-a")
    .setIssuedAt(now - 5)
    .setNotBefore(change.notBefore ?? now - 5)
    .setExpirationTime(change.expires ?? now + 600)
    .sign(key.privateKey)
}

const expectRefused = (reply: Reply, challenge: string, code: string) => {
  expect(reply.status).toBe(401)
  expect(reply.headers.get("www-authenticate")).toBe(challenge)
  expect(reply.body).toEqual({
    error: { code, message: expect.any(String), requestId: reply.headers.get("x-request-id") }
  })
}

/** The reason the service logged for the request, and that no line holds the token. */
const loggedReason = (reply: Reply, token: string) => {
  const requestId = reply.headers.get("x-request-id")
  if (token !== "") expect(logged.join("\n")).not.toContain(token)
  const line = logged
    .map((text) => JSON.parse(text) as { message: unknown; annotations: Record<string, unknown> })
    .find(
      (entry) => entry.annotations["requestId"] === requestId && entry.message === "authentication refused"
    )
  return line?.annotations["reason"]
}

describe("a valid token", () => {
  it("from the provider, for a signed-in user: the user is its sub", async () => {
    const reply = await privacyOf(bearer(await provider.userToken("user-a")))
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ userId: "user-a" })
  })

  it("of a client not listed in AUTH_SERVICE_CLIENTS acts for its own subject", async () => {
    const reply = await privacyOf(bearer(await provider.clientToken(CLIENTS.reports)))
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ userId: CLIENTS.reports.id })
  })

  it("expired less than the 60 s clock skew ago is still accepted", async () => {
    const now = Math.floor(Date.now() / 1000)
    const reply = await privacyOf(bearer(await forged({ expires: now - 30 })))
    expect(reply.status).toBe(200)
  })
})

describe("the token matrix: 401, WWW-Authenticate: Bearer and the envelope; the reason only in the logs", () => {
  it("no Authorization header", async () => {
    const reply = await privacyOf({})
    expectRefused(reply, "Bearer", "missing_token")
    expect(loggedReason(reply, "")).toBe("missing")
  })

  it("another scheme than Bearer", async () => {
    const reply = await privacyOf({ authorization: "Basic dXNlcjpwYXNz" })
    expectRefused(reply, "Bearer", "missing_token")
  })

  const invalid = 'Bearer error="invalid_token"'
  const cases: ReadonlyArray<readonly [string, () => Promise<string>, string]> = [
    ["malformed", async () => "not-a-jwt.at-all", "malformed"],
    ["expired", async () => forged({ expires: Math.floor(Date.now() / 1000) - 120 }), "expired"],
    [
      "not yet valid",
      async () => forged({ notBefore: Math.floor(Date.now() / 1000) + 300 }),
      "not_yet_valid"
    ],
    ["from another issuer", async () => forged({ issuer: "https://id.elsewhere.test" }), "wrong_issuer"],
    [
      "for another audience",
      async () => forged({ audience: "https://api.elsewhere.test" }),
      "wrong_audience"
    ],
    [
      "alg: none",
      async () =>
        new UnsecuredJWT({ client_id: WEB_CLIENT_ID })
          .setIssuer(provider.issuer)
          .setAudience(AUDIENCE)
          .setSubject("user-a")
          .setExpirationTime("10m")
          .encode(),
      "algorithm_not_allowed"
    ],
    [
      "HMAC-signed (HS256, a shared secret)",
      async () =>
        new SignJWT({ client_id: WEB_CLIENT_ID })
          .setProtectedHeader({ alg: "HS256", kid: keyA.kid })
          .setIssuer(provider.issuer)
          .setAudience(AUDIENCE)
          .setSubject("user-a")
          .setExpirationTime("10m")
          .sign(new TextEncoder().encode("a shared secret that anyone verifying would hold")),
      "algorithm_not_allowed"
    ],
    [
      "signed by a key not in the JWKS",
      async () => forged({ key: await signingKey("key-x") }),
      "unknown_key"
    ],
    [
      "signed by another key under a published key id",
      async () => forged({ key: await signingKey("key-a") }),
      "bad_signature"
    ],
    ["a subject that is not a user id", async () => forged({ subject: "auth0|not an id" }), "invalid_subject"]
  ]
  it.each(cases)("%s", async (_, token, reason) => {
    const given = await token()
    const reply = await privacyOf(bearer(given))
    expectRefused(reply, invalid, "invalid_token")
    expect(loggedReason(reply, given)).toBe(reason)
  })

  it("counts each refusal by reason in /metrics", async () => {
    const samples = parseSamples(await (await fetch(`${service.url}/metrics`)).text())
    const refused = (reason: string) =>
      total(samples, "coachup_http_authentication_failures_total", { reason })
    expect(refused("missing")).toBe(2)
    expect(refused("algorithm_not_allowed")).toBe(2)
    expect(refused("unknown_key")).toBe(1)
  })

  it("changes nothing: a refused PUT leaves the user's settings as they were", async () => {
    const reply = await setOptOut(
      bearer(await forged({ expires: Math.floor(Date.now() / 1000) - 120 })),
      true
    )
    expect(reply.status).toBe(401)
    const after = await privacyOf(bearer(await provider.userToken("user-a")))
    expect(after.body).toMatchObject({ transcriptPersistenceOptOut: false })
  })
})

describe("acting for another user (x-user-id)", () => {
  it("a service client acts for the user it names", async () => {
    const backend = bearer(await provider.clientToken(CLIENTS.backend))
    const put = await setOptOut({ ...backend, "x-user-id": "user-s" }, true)
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ userId: "user-s", transcriptPersistenceOptOut: true })
    const own = await privacyOf(bearer(await provider.userToken("user-s")))
    expect(own.body).toMatchObject({ userId: "user-s", transcriptPersistenceOptOut: true })
  })

  it("a user's token with x-user-id is refused with 403, and nothing changes", async () => {
    const user = bearer(await provider.userToken("user-t"))
    const put = await setOptOut({ ...user, "x-user-id": "user-u" }, true)
    expect(put.status).toBe(403)
    expect(put.body).toMatchObject({ error: { code: "acting_for_user_not_allowed" } })
    const victim = await privacyOf(bearer(await provider.userToken("user-u")))
    expect(victim.body).toMatchObject({ transcriptPersistenceOptOut: false })
  })

  it("a client not listed in AUTH_SERVICE_CLIENTS may not act for a user", async () => {
    const reports = bearer(await provider.clientToken(CLIENTS.reports))
    expect((await privacyOf({ ...reports, "x-user-id": "user-a" })).status).toBe(403)
  })

  it("a service client naming a malformed user gets 400", async () => {
    const backend = bearer(await provider.clientToken(CLIENTS.backend))
    const reply = await privacyOf({ ...backend, "x-user-id": "who am i" })
    expect(reply.status).toBe(400)
    expect(reply.body).toMatchObject({ error: { code: "invalid_user_id" } })
  })
})

describe("without a token", () => {
  it.each(["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/", "/auth/config"])(
    "%s is served",
    async (path) => {
      expect((await fetch(service.url + path)).status).toBe(200)
    }
  )

  it("/auth/config tells the web app how to sign in", async () => {
    const reply = await service.request("GET", "/auth/config")
    expect(reply.body).toEqual({
      mode: "oidc",
      issuer: provider.issuer,
      audience: AUDIENCE,
      clientId: WEB_CLIENT_ID
    })
  })

  it("every endpoint with a user's data needs one, and the OpenAPI document says so", async () => {
    const spec = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      components: { securitySchemes: Record<string, unknown> }
      paths: Record<string, Record<string, { security: Array<unknown>; responses: Record<string, unknown> }>>
    }
    expect(spec.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: "http", scheme: "bearer", bearerFormat: "JWT" })
    })
    const open = ["/healthz", "/readyz", "/metrics", "/auth/config"]
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const secured = operation.security.length > 0
        expect(secured, `${method} ${path}`).toBe(!open.includes(path))
        if (secured) expect(Object.keys(operation.responses), `${method} ${path}`).toContain("401")
      }
    }
    const unauthenticated = await service.request("POST", "/messages/ingest", {
      body: { sessionId: "s-1", messageId: "m-1", role: "user", text: "hello" }
    })
    expect(unauthenticated.status).toBe(401)
    const chat = await service.request("GET", "/chat/stream?prompt=hi", {
      headers: { "x-session-id": "s-1" }
    })
    expect(chat.status).toBe(401)
  })
})

describe("key rotation", () => {
  it("accepts a token signed by the provider's new key without a restart, and drops the old key", async () => {
    const before = await provider.userToken("user-r")
    expect((await privacyOf(bearer(before))).status).toBe(200)
    provider.rotate([await signingKey("key-b")])
    // Past the service's refetch cooldown (AUTH_JWKS_COOLDOWN_MS=200 here; 30 s by default).
    await new Promise((resolve) => setTimeout(resolve, 300))
    const after = await provider.userToken("user-r")
    const reply = await privacyOf(bearer(after))
    expect(reply.status).toBe(200)
    expect(reply.body).toMatchObject({ userId: "user-r" })
    expectRefused(await privacyOf(bearer(before)), 'Bearer error="invalid_token"', "invalid_token")
  })
})

describe("budgets", () => {
  let limited: TestService
  beforeAll(async () => {
    limited = await startService({
      stores: memoryStores,
      env: oidcEnv(provider, {
        RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS_PER_MINUTE: "2",
        RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "2"
      })
    })
  })
  afterAll(() => limited.close())

  it("401s are limited per client address: past the budget, 429; a valid token still passes", async () => {
    const refused = () => limited.request("GET", "/settings/privacy", { headers: bearer("not-a-jwt") })
    expect((await refused()).status).toBe(401)
    expect((await refused()).status).toBe(401)
    const third = await refused()
    expect(third.status).toBe(429)
    expect(third.headers.get("retry-after")).not.toBeNull()
    expect(third.body).toMatchObject({ error: { code: "rate_limited" } })
    const valid = await limited.request("GET", "/settings/privacy", {
      headers: bearer(await provider.userToken("user-v"))
    })
    expect(valid.status).toBe(200)
  })

  it("a service client acting for a user spends that user's budget", async () => {
    const ingest = async (headers: Record<string, string>, messageId: string) =>
      (
        await limited.request("POST", "/messages/ingest", {
          headers,
          body: { sessionId: `budget-${messageId}`, messageId, role: "user", text: "hi" }
        })
      ).status
    const user = bearer(await provider.userToken("user-w"))
    const backend = { ...bearer(await provider.clientToken(CLIENTS.backend)), "x-user-id": "user-w" }
    expect(await ingest(user, "w-1")).toBe(200)
    expect(await ingest(backend, "w-2")).toBe(200)
    expect(await ingest(backend, "w-3")).toBe(429)
    expect(await ingest(user, "w-4")).toBe(429)
    expect(await ingest({ ...backend, "x-user-id": "user-x" }, "x-1")).toBe(200)
  })
})

describe("an issuer that cannot be reached", () => {
  it("answers 503: no token can be checked, and none is blamed", async () => {
    const unreachable = await startService({
      stores: memoryStores,
      env: oidcEnv(provider, { AUTH_ISSUER: `http://127.0.0.1:${await freePort()}` })
    })
    try {
      const { privateKey } = await generateKeyPair("RS256")
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: "RS256", kid: "any" })
        .setExpirationTime("5m")
        .sign(privateKey)
      const reply = await unreachable.request("GET", "/settings/privacy", { headers: bearer(token) })
      expect(reply.status).toBe(503)
      expect(reply.body).toMatchObject({ error: { code: "identity_provider_unavailable" } })
    } finally {
      await unreachable.close()
    }
  })
})
