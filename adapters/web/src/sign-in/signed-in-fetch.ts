import { ApiError } from "../api-client.ts"
import type { OidcClient, Tokens } from "./oidc-client.ts"

/** Renewed this long before it expires, so no call carries a token that lapses on the way. */
export const RENEW_BEFORE_MS = 30_000

type Fetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** The signed-in user's access to the service, for as long as the page lives. */
export interface SignedIn {
  /** `fetch` with `Authorization: Bearer`; a 401 answer sends the browser to sign in again. */
  readonly fetch: Fetch
  /** Forgets the tokens: a call after this fails instead of signing in again. */
  readonly signOut: () => Tokens | null
}

/**
 * Holds the tokens in memory and keeps them current: a token close to expiry is renewed with the
 * refresh token when the provider issued one, else by a new authorization request (with the
 * provider's session still open, the browser comes straight back).
 */
export const signedIn = (
  client: OidcClient,
  initial: Tokens,
  environment: { readonly fetch: Fetch; readonly now: () => number; readonly returnTo: () => string }
): SignedIn => {
  let current: Tokens | null = initial
  let renewing: Promise<Tokens> | null = null

  const signInAgain = () => client.signIn(environment.returnTo())
  const valid = (): Promise<Tokens> => {
    if (current === null) return Promise.reject(new ApiError(401, "signed_out", "You have signed out."))
    const tokens = current
    if (tokens.expiresAt === null || environment.now() < tokens.expiresAt - RENEW_BEFORE_MS)
      return Promise.resolve(tokens)
    if (tokens.refreshToken === null) return signInAgain()
    renewing ??= client
      .refresh(tokens)
      .then((renewed) => {
        if (current !== null) current = renewed
        return renewed
      }, signInAgain)
      .finally(() => {
        renewing = null
      })
    return renewing
  }

  return {
    fetch: async (input, init) => {
      const { accessToken } = await valid()
      const headers = new Headers(init?.headers)
      headers.set("authorization", `Bearer ${accessToken}`)
      const response = await environment.fetch(input, { ...init, headers })
      return response.status === 401 && current !== null ? signInAgain() : response
    },
    signOut: () => {
      const tokens = current
      current = null
      return tokens
    }
  }
}
