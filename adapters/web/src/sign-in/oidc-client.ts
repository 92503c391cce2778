import * as oauth from "oauth4webapi"

/** What the service publishes at `GET /auth/config` in oidc mode. */
export interface OidcSettings {
  readonly issuer: string
  readonly audience: string
  readonly clientId: string
}

/** The signed-in user's tokens. They live in memory only, never in storage. */
export interface Tokens {
  readonly accessToken: string
  /** Epoch milliseconds; null when the provider did not say (the service's 401 then tells). */
  readonly expiresAt: number | null
  /** Only when the provider issues one; it stays in memory like the access token. */
  readonly refreshToken: string | null
  /** Sent with the end-session request, so the provider knows whose session ends. */
  readonly idToken: string | null
  /** The ID token's `sub`: whose sessions these are. */
  readonly subject: string
  /** What the app shows: the ID token's name, preferred_username or email, else its `sub`. */
  readonly displayName: string
}

/** What the browser lends the client: tests give their own. */
export interface BrowserEnvironment {
  readonly fetch: typeof fetch
  /** Leaves the app for `url` (the provider's pages). */
  readonly redirect: (url: URL) => void
  /** Holds the PKCE verifier, state and nonce across the redirect, and only until the callback. */
  readonly storage: Storage
  /** Where the provider sends the browser back: the app's root, at the origin it is served from. */
  readonly redirectUri: string
  readonly now: () => number
}

export interface OidcClient {
  /** Leaves for the provider's authorization endpoint; the browser comes back to `returnTo`. */
  readonly signIn: (returnTo: string) => Promise<never>
  /**
   * Finishes a sign-in this tab started, when `url` is its callback: the tokens and where to go
   * back to. Null for any other address.
   */
  readonly completeSignIn: (
    url: URL
  ) => Promise<{ readonly tokens: Tokens; readonly returnTo: string } | null>
  readonly refresh: (tokens: Tokens) => Promise<Tokens>
  /** The provider's end-session address for these tokens; null when it has no such endpoint. */
  readonly endSessionUrl: (tokens: Tokens) => URL | null
}

/** What sessionStorage holds between the authorization request and its callback. */
interface PendingSignIn {
  readonly state: string
  readonly nonce: string
  readonly codeVerifier: string
  readonly returnTo: string
}

const PENDING_KEY = "coachup.pendingSignIn"

/** Plain http is allowed for a provider on this machine only (development and tests), as browsers do. */
const isLoopbackHttp = (url: URL) =>
  url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)

const readPending = (storage: Storage): PendingSignIn | null => {
  const text = storage.getItem(PENDING_KEY)
  if (text === null) return null
  try {
    return JSON.parse(text) as PendingSignIn
  } catch {
    return null
  }
}

/** The authorization response's parameters; a refusal, in the provider's words. */
const answerOf = (server: oauth.AuthorizationServer, client: oauth.Client, url: URL, state: string) => {
  try {
    return oauth.validateAuthResponse(server, client, url, state)
  } catch (cause) {
    if (!(cause instanceof oauth.AuthorizationResponseError)) throw cause
    throw new Error(`The sign-in service said no: ${cause.error_description ?? cause.error}.`, { cause })
  }
}

/** Discovers the issuer and returns the app's client for it: authorization code flow with PKCE. */
export const oidcClient = async (
  settings: OidcSettings,
  browser: BrowserEnvironment
): Promise<OidcClient> => {
  const issuer = new URL(settings.issuer)
  const options = {
    // oauth4webapi's requests are plain fetch arguments; only its type spells `body` as never undefined.
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      browser.fetch(url, init as RequestInit),
    [oauth.allowInsecureRequests]: isLoopbackHttp(issuer)
  }
  const server = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...options, algorithm: "oidc" })
  )
  const client: oauth.Client = { client_id: settings.clientId }
  const clientAuth = oauth.None()
  const resource = { resource: settings.audience }

  const tokensOf = (response: oauth.TokenEndpointResponse, previous?: Tokens): Tokens => {
    const claims = oauth.getValidatedIdTokenClaims(response)
    const named = [claims?.["name"], claims?.["preferred_username"], claims?.["email"]].find(
      (value): value is string => typeof value === "string" && value !== ""
    )
    const subject = claims?.sub ?? previous?.subject
    if (subject === undefined) throw new Error("The provider's answer names no user (no ID token).")
    return {
      accessToken: response.access_token,
      expiresAt: response.expires_in === undefined ? null : browser.now() + response.expires_in * 1000,
      refreshToken: response.refresh_token ?? previous?.refreshToken ?? null,
      idToken: response.id_token ?? previous?.idToken ?? null,
      subject,
      displayName: named ?? previous?.displayName ?? subject
    }
  }

  return {
    signIn: async (returnTo) => {
      const pending: PendingSignIn = {
        state: oauth.generateRandomState(),
        nonce: oauth.generateRandomNonce(),
        codeVerifier: oauth.generateRandomCodeVerifier(),
        returnTo
      }
      browser.storage.setItem(PENDING_KEY, JSON.stringify(pending))
      const url = new URL(server.authorization_endpoint!)
      url.search = new URLSearchParams({
        client_id: settings.clientId,
        redirect_uri: browser.redirectUri,
        response_type: "code",
        scope: "openid profile",
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: "S256",
        ...resource
      }).toString()
      browser.redirect(url)
      // The page is leaving: nothing after this runs.
      return new Promise<never>(() => {})
    },

    completeSignIn: async (url) => {
      const pending = readPending(browser.storage)
      if (pending === null || !url.searchParams.has("state")) return null
      browser.storage.removeItem(PENDING_KEY)
      const parameters = answerOf(server, client, url, pending.state)
      const response = await oauth.authorizationCodeGrantRequest(
        server,
        client,
        clientAuth,
        parameters,
        browser.redirectUri,
        pending.codeVerifier,
        { ...options, additionalParameters: resource }
      )
      const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
        expectedNonce: pending.nonce,
        requireIdToken: true
      })
      return { tokens: tokensOf(result), returnTo: pending.returnTo }
    },

    refresh: async (tokens) => {
      if (tokens.refreshToken === null) throw new Error("No refresh token: sign in again.")
      const response = await oauth.refreshTokenGrantRequest(server, client, clientAuth, tokens.refreshToken, {
        ...options,
        additionalParameters: resource
      })
      return tokensOf(await oauth.processRefreshTokenResponse(server, client, response), tokens)
    },

    endSessionUrl: (tokens) => {
      if (server.end_session_endpoint === undefined) return null
      const url = new URL(server.end_session_endpoint)
      url.search = new URLSearchParams({
        client_id: settings.clientId,
        post_logout_redirect_uri: browser.redirectUri,
        ...(tokens.idToken === null ? {} : { id_token_hint: tokens.idToken })
      }).toString()
      return url
    }
  }
}
