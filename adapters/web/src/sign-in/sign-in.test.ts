// @vitest-environment happy-dom
import { createHash } from "node:crypto"
import { generateKeyPair, SignJWT } from "jose"
import { beforeEach, describe, expect, it } from "vitest"
import { ApiError } from "../api-client.ts"
import { type PageEnvironment, type SignInState, startSignIn } from "./sign-in.ts"
import { RENEW_BEFORE_MS } from "./signed-in-fetch.ts"

const ISSUER = "https://id.example.test"
const APP = "https://coach.example.test"
const AUDIENCE = "https://api.example.test"
const CLIENT_ID = "coach-web"
const { privateKey } = await generateKeyPair("RS256")

/** What the fake provider's token endpoint gives out next. */
interface Issue {
  readonly expiresIn: number
  readonly refreshToken?: string
}

/**
 * The service (`/auth/config`, one API path) and an OpenID provider (discovery, token endpoint) as one
 * `fetch`, with a page around them: the address, sessionStorage, redirects and a clock.
 */
const world = (mode: "local" | "oidc" = "oidc") => {
  const redirects: Array<URL> = []
  const tokenRequests: Array<URLSearchParams> = []
  const apiCalls: Array<string | null> = []
  const state = {
    location: new URL(`${APP}/history?session=s-1`),
    now: Date.now(),
    issue: { expiresIn: 600 } as Issue,
    issued: 0,
    /** The API's answer to a call: 401 for any token listed here. */
    refusedTokens: new Set<string>(),
    onSignedOut: null as SignInState | null
  }
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

  const lastAuthorization = () => new URL(redirects.at(-1)!)
  const idToken = (nonce: string | null) =>
    new SignJWT({ name: "Ada Lovelace", ...(nonce === null ? {} : { nonce }) })
      .setProtectedHeader({ alg: "RS256" })
      .setIssuer(ISSUER)
      .setAudience(CLIENT_ID)
      .setSubject("ada")
      .setIssuedAt(Math.floor(state.now / 1000))
      .setExpirationTime(Math.floor(state.now / 1000) + 600)
      .sign(privateKey)

  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), APP)
    if (url.href === `${APP}/auth/config`)
      return json(
        mode === "local"
          ? { mode, issuer: null, audience: null, clientId: null }
          : { mode, issuer: ISSUER, audience: AUDIENCE, clientId: CLIENT_ID }
      )
    if (url.href === `${ISSUER}/.well-known/openid-configuration`)
      return json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/auth`,
        token_endpoint: `${ISSUER}/token`,
        end_session_endpoint: `${ISSUER}/session/end`,
        jwks_uri: `${ISSUER}/jwks`
      })
    if (url.href === `${ISSUER}/token`) {
      const form = new URLSearchParams(String(init.body))
      tokenRequests.push(form)
      const fromCode = form.get("grant_type") === "authorization_code"
      const accessToken = `access-${++state.issued}`
      return json({
        access_token: accessToken,
        token_type: "Bearer",
        expires_in: state.issue.expiresIn,
        ...(fromCode ? { id_token: await idToken(lastAuthorization().searchParams.get("nonce")) } : {}),
        ...(state.issue.refreshToken === undefined ? {} : { refresh_token: state.issue.refreshToken })
      })
    }
    if (url.href === `${APP}/settings/privacy`) {
      const authorization = new Headers(init.headers).get("authorization")
      apiCalls.push(authorization)
      return state.refusedTokens.has(authorization?.slice("Bearer ".length) ?? "")
        ? json({ error: { code: "invalid_token", message: "no" } }, 401)
        : json({ userId: "ada", transcriptPersistenceOptOut: false })
    }
    throw new Error(`nothing answers ${url.href}`)
  }

  const page: PageEnvironment = {
    fetch,
    redirect: (url) => void redirects.push(url),
    storage: sessionStorage,
    redirectUri: `${APP}/`,
    now: () => state.now,
    location: () => state.location,
    replacePath: (path) => {
      state.location = new URL(path, APP)
    },
    onSignedOut: (signedOut) => {
      state.onSignedOut = signedOut
    }
  }

  /** Starts the page and, when it leaves for the provider, says so instead of waiting forever. */
  const start = () =>
    Promise.race([startSignIn(page), new Promise<"left">((resolve) => setTimeout(() => resolve("left"), 50))])

  /** The provider sends the browser back with a code for the last authorization request. */
  const comeBack = () => {
    const authorization = lastAuthorization()
    state.location = new URL(`${APP}/?code=the-code&state=${authorization.searchParams.get("state")}`)
  }

  const signedIn = async () => {
    expect(await start()).toBe("left")
    comeBack()
    const started = await start()
    if (started === "left" || started.kind !== "signed-in") throw new Error(`not signed in: ${started}`)
    return started
  }

  const call = (signedInState: Extract<SignInState, { kind: "signed-in" }>) =>
    Promise.race([
      signedInState.fetch("/settings/privacy").then((response) => response.status),
      new Promise<"left">((resolve) => setTimeout(() => resolve("left"), 50))
    ])

  return { state, redirects, tokenRequests, apiCalls, start, comeBack, signedIn, call }
}

beforeEach(() => sessionStorage.clear())

describe("signing in to the web app", () => {
  it("in local mode, nothing: the app runs as it is", async () => {
    const local = world("local")
    expect(await local.start()).toEqual({ kind: "local" })
    expect(local.redirects).toEqual([])
  })

  it("in oidc mode, leaves for the provider with the authorization code flow and PKCE, for the service's audience", async () => {
    const oidc = world()
    expect(await oidc.start()).toBe("left")
    const authorization = oidc.redirects[0]!
    expect(authorization.origin + authorization.pathname).toBe(`${ISSUER}/auth`)
    const parameters = Object.fromEntries(authorization.searchParams)
    expect(parameters).toMatchObject({
      client_id: CLIENT_ID,
      redirect_uri: `${APP}/`,
      response_type: "code",
      code_challenge_method: "S256",
      resource: AUDIENCE
    })
    expect(parameters["state"]).toMatch(/^[\w-]{20,}$/)
    // Only the pending request's secrets wait in sessionStorage, for the way back.
    expect(Object.keys(sessionStorage)).toEqual(["coachup.pendingSignIn"])
  })

  it("on the way back, redeems the code with the PKCE verifier, clears what it kept and returns to where the user was", async () => {
    const oidc = world()
    const signedIn = await oidc.signedIn()
    const challenge = oidc.redirects[0]!.searchParams.get("code_challenge")
    const [exchange] = oidc.tokenRequests
    expect(exchange?.get("grant_type")).toBe("authorization_code")
    expect(exchange?.get("code")).toBe("the-code")
    expect(createHash("sha256").update(exchange!.get("code_verifier")!).digest("base64url")).toBe(challenge)
    expect(sessionStorage.length).toBe(0)
    expect(oidc.state.location.href).toBe(`${APP}/history?session=s-1`)
    expect(signedIn.account).toMatchObject({ subject: "ada", displayName: "Ada Lovelace" })
  })

  it("a refusal by the provider is said, and trying again returns to where the user was, not to the refusal", async () => {
    const oidc = world()
    expect(await oidc.start()).toBe("left")
    const state = oidc.redirects[0]!.searchParams.get("state")
    oidc.state.location = new URL(`${APP}/history?session=s-1&error=access_denied&state=${state}`)
    await expect(oidc.start()).rejects.toThrow(/access_denied/)
    expect(await oidc.start()).toBe("left")
    oidc.comeBack()
    expect(await oidc.start()).toMatchObject({ kind: "signed-in" })
    expect(oidc.state.location.href).toBe(`${APP}/history?session=s-1`)
  })

  it("a callback with a state this tab did not send is refused", async () => {
    const oidc = world()
    expect(await oidc.start()).toBe("left")
    oidc.state.location = new URL(`${APP}/?code=the-code&state=forged`)
    await expect(oidc.start()).rejects.toThrow(/state/)
    expect(oidc.tokenRequests).toEqual([])
  })

  it("every call carries the access token; a 401 sends the user to sign in again", async () => {
    const oidc = world()
    const signedIn = await oidc.signedIn()
    expect(await oidc.call(signedIn)).toBe(200)
    expect(oidc.apiCalls).toEqual(["Bearer access-1"])
    oidc.state.refusedTokens.add("access-1")
    expect(await oidc.call(signedIn)).toBe("left")
    expect(oidc.redirects).toHaveLength(2)
    expect(oidc.redirects[1]!.pathname).toBe("/auth")
  })

  it("near expiry without a refresh token, asks the provider again instead of sending a stale token", async () => {
    const oidc = world()
    const signedIn = await oidc.signedIn()
    oidc.state.now += 600_000 - RENEW_BEFORE_MS
    expect(await oidc.call(signedIn)).toBe("left")
    expect(oidc.apiCalls).toEqual([])
    expect(oidc.redirects).toHaveLength(2)
  })

  it("near expiry with a refresh token, renews in place: one refresh for calls made together", async () => {
    const oidc = world()
    oidc.state.issue = { expiresIn: 600, refreshToken: "refresh-1" }
    const signedIn = await oidc.signedIn()
    oidc.state.now += 600_000 - RENEW_BEFORE_MS
    expect(await Promise.all([oidc.call(signedIn), oidc.call(signedIn)])).toEqual([200, 200])
    expect(oidc.tokenRequests.map((form) => form.get("grant_type"))).toEqual([
      "authorization_code",
      "refresh_token"
    ])
    expect(oidc.tokenRequests[1]?.get("refresh_token")).toBe("refresh-1")
    expect(oidc.apiCalls).toEqual(["Bearer access-2", "Bearer access-2"])
    expect(oidc.redirects).toHaveLength(1)
  })

  it("signing out forgets the token and ends the provider's session; the page it returns to offers to sign in", async () => {
    const oidc = world()
    const signedIn = await oidc.signedIn()
    signedIn.account.signOut()
    const endSession = oidc.redirects[1]!
    expect(endSession.origin + endSession.pathname).toBe(`${ISSUER}/session/end`)
    expect(endSession.searchParams.get("post_logout_redirect_uri")).toBe(`${APP}/`)
    expect(endSession.searchParams.get("id_token_hint")).toMatch(/^ey/)
    await expect(signedIn.fetch("/settings/privacy")).rejects.toEqual(
      new ApiError(401, "signed_out", "You have signed out.")
    )

    oidc.state.location = new URL(`${APP}/`)
    const back = await oidc.start()
    expect(back).toMatchObject({ kind: "signed-out" })
    expect(oidc.redirects).toHaveLength(2)
    // Only this once: the next visit signs in again.
    expect(await oidc.start()).toBe("left")
  })
})
