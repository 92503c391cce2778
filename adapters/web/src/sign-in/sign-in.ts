import { serviceClient } from "../api-client.ts"
import type { AuthConfig } from "../api-types.ts"
import { type BrowserEnvironment, type OidcClient, oidcClient } from "./oidc-client.ts"
import { type SignedIn, signedIn } from "./signed-in-fetch.ts"

/** Set while the provider ends its session, so the page it sends back to offers to sign in, not signs in. */
const SIGNED_OUT_KEY = "coachup.signedOut"

/** Who is signed in, and how they leave. */
export interface Account {
  readonly subject: string
  readonly displayName: string
  readonly signOut: () => void
}

/** Where the app stands once it knows how the service authenticates. */
export type SignInState =
  | { readonly kind: "local" }
  | { readonly kind: "signed-in"; readonly account: Account; readonly fetch: SignedIn["fetch"] }
  | { readonly kind: "signed-out"; readonly signIn: () => void }

export interface PageEnvironment extends BrowserEnvironment {
  /** The page's address now. */
  readonly location: () => URL
  /** Puts `path` in the address bar without a reload. */
  readonly replacePath: (path: string) => void
  /** Called after sign-out when the provider has no end-session endpoint. */
  readonly onSignedOut: (state: SignInState) => void
}

/** The parameters a provider's answer adds to the address: not part of where the user was. */
const AUTHORIZATION_RESPONSE = [
  "code",
  "state",
  "iss",
  "error",
  "error_description",
  "error_uri",
  "session_state"
]

const pathOf = (url: URL) => {
  const query = new URLSearchParams(url.search)
  for (const name of AUTHORIZATION_RESPONSE) query.delete(name)
  return query.size === 0 ? url.pathname : `${url.pathname}?${query}`
}

const signedOut = (client: OidcClient): SignInState => ({
  kind: "signed-out",
  signIn: () => void client.signIn("/")
})

/**
 * Reads `GET /auth/config`. Local mode needs nothing more. In oidc mode: finishes the sign-in this
 * page is the callback of, or shows the signed-out page the provider sent back to, or leaves for the
 * provider to sign in (a promise that never settles, as the page goes).
 */
export const startSignIn = async (environment: PageEnvironment): Promise<SignInState> => {
  const config = await serviceClient(environment.fetch).getJson<AuthConfig>("/auth/config")
  if (config.mode === "local") return { kind: "local" }
  const { issuer, audience, clientId } = config
  if (issuer === null || audience === null || clientId === null)
    throw new Error(
      "The service signs users in (oidc mode) but names no web client: set OIDC_WEB_CLIENT_ID on the service."
    )
  const client = await oidcClient({ issuer, audience, clientId }, environment)
  const completed = await client.completeSignIn(environment.location())
  if (completed === null) {
    if (environment.storage.getItem(SIGNED_OUT_KEY) === null)
      return client.signIn(pathOf(environment.location()))
    environment.storage.removeItem(SIGNED_OUT_KEY)
    return signedOut(client)
  }
  environment.replacePath(completed.returnTo)
  const access = signedIn(client, completed.tokens, {
    fetch: environment.fetch,
    now: environment.now,
    returnTo: () => pathOf(environment.location())
  })
  const { subject, displayName } = completed.tokens
  const signOut = () => {
    const tokens = access.signOut()
    const endSession = tokens === null ? null : client.endSessionUrl(tokens)
    if (endSession === null) return environment.onSignedOut(signedOut(client))
    environment.storage.setItem(SIGNED_OUT_KEY, "1")
    environment.redirect(endSession)
  }
  return { kind: "signed-in", account: { subject, displayName, signOut }, fetch: access.fetch }
}
