import { createServer } from "node:http"
import { exportJWK, generateKeyPair, type JWK } from "jose"
import Provider, { type ResourceServer } from "oidc-provider"

/** An RS256 key pair: the provider signs with its private half and publishes the public one. */
export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

export const signingKey = async (kid: string): Promise<SigningKey> => {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true })
  return { kid, privateKey, jwk: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" } }
}

/** The confidential clients the provider knows; each may use the client credentials grant. */
export const CLIENTS = {
  /** The app's own backend: the service lists it in AUTH_SERVICE_CLIENTS. */
  backend: { id: "coach-backend", secret: "backend-secret" },
  /** Another backend, not listed: its tokens act for its own subject only. */
  reports: { id: "coach-reports", secret: "reports-secret" }
} as const

/**
 * The browser app's client: public (no secret, PKCE), so it gets tokens only for users who signed in
 * on the provider's own login page.
 */
export const WEB_CLIENT_ID = "coach-web"

export interface TestProvider {
  readonly issuer: string
  readonly audience: string
  /** A client credentials token for `client`, as its token endpoint answers it. */
  readonly clientToken: (client: (typeof CLIENTS)[keyof typeof CLIENTS]) => Promise<string>
  /** The access token the provider issues to the web app for the signed-in `accountId`. */
  readonly userToken: (accountId: string) => Promise<string>
  /** From now on the provider signs with, and publishes, these keys only; same issuer and port. */
  readonly rotate: (keys: ReadonlyArray<SigningKey>) => void
  readonly close: () => Promise<void>
}

/**
 * A real OpenID provider (`oidc-provider`) on 127.0.0.1, port 0: discovery document, JWKS, token
 * endpoint, and login, consent and end-session pages, issuing RS256-signed JWT access tokens for
 * `audience`. Its keys can be replaced
 * while it runs, as a provider's key rotation does.
 */
export const startOidcProvider = async (options: {
  readonly audience: string
  readonly keys: ReadonlyArray<SigningKey>
  /** The origin the web app is served from: its sign-in and sign-out come back to `${webOrigin}/`. */
  readonly webOrigin?: string
}): Promise<TestProvider> => {
  const { audience } = options
  const webAppUri = `${options.webOrigin ?? "http://127.0.0.1"}/`
  const resourceServer: ResourceServer = {
    audience,
    scope: "coach",
    accessTokenFormat: "jwt",
    jwt: { sign: { alg: "RS256" } }
  }
  const providerFor = (issuer: string, keys: ReadonlyArray<SigningKey>) =>
    new Provider(issuer, {
      clients: [
        ...Object.values(CLIENTS).map((client) => ({
          client_id: client.id,
          client_secret: client.secret,
          grant_types: ["client_credentials"],
          redirect_uris: [],
          response_types: []
        })),
        {
          client_id: WEB_CLIENT_ID,
          token_endpoint_auth_method: "none",
          redirect_uris: [webAppUri],
          post_logout_redirect_uris: [webAppUri]
        }
      ],
      jwks: { keys: keys.map((key) => key.jwk) },
      ttl: { AccessToken: 3600, ClientCredentials: 600 },
      features: {
        // Its built-in login and consent pages: any username signs in, as that account.
        devInteractions: { enabled: true },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => audience,
          getResourceServerInfo: () => resourceServer
        }
      }
    })

  let handle: ReturnType<Provider["callback"]> | undefined
  const server = createServer((request, response) => void handle?.(request, response))
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  if (address === null || typeof address === "string") throw new Error("expected a TCP address")
  const issuer = `http://127.0.0.1:${address.port}`
  const serve = (keys: ReadonlyArray<SigningKey>) => {
    const provider = providerFor(issuer, keys)
    handle = provider.callback()
    return provider
  }
  let current = serve(options.keys)

  const clientToken = async (client: (typeof CLIENTS)[keyof typeof CLIENTS]) => {
    const response = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded"
      },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: audience })
    })
    const body = (await response.json()) as { access_token?: string; error_description?: string }
    if (body.access_token === undefined) throw new Error(`token endpoint: ${body.error_description}`)
    return body.access_token
  }

  const userToken = async (accountId: string) => {
    const provider = current
    const client = await provider.Client.find(WEB_CLIENT_ID)
    if (client === undefined) throw new Error(`no client ${WEB_CLIENT_ID}`)
    const token = new provider.AccessToken({
      client,
      accountId,
      grantId: `grant-${accountId}`,
      gty: "authorization_code",
      scope: "coach",
      resourceServer: new provider.ResourceServer(audience, resourceServer)
    })
    return token.save()
  }

  return {
    issuer,
    audience,
    clientToken,
    userToken,
    rotate: (keys) => {
      current = serve(keys)
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}
