import { type ReactNode, useEffect, useMemo, useRef, useState } from "react"
import { serviceClient } from "../api-client.ts"
import { App } from "../app.tsx"
import { ErrorNotice } from "../error-notice.tsx"
import { ServiceContext } from "../service-context.ts"
import { type Account, type SignInState, startSignIn } from "./sign-in.ts"
import type { SignedIn } from "./signed-in-fetch.ts"

/** The browser's own: the real fetch, address bar and sessionStorage. */
const browserPage = (onSignedOut: (state: SignInState) => void) => ({
  fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  redirect: (url: URL) => location.assign(url),
  storage: sessionStorage,
  redirectUri: `${location.origin}/`,
  now: () => Date.now(),
  location: () => new URL(location.href),
  replacePath: (path: string) => history.replaceState(null, "", path),
  onSignedOut
})

function Frame(props: { readonly title: string; readonly children: ReactNode }) {
  return (
    <>
      <header className="app-header">
        <span className="brand">Coach Up</span>
      </header>
      <main id="main">
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </>
  )
}

/**
 * Learns from the service whether users sign in. In local mode the app runs as it always has; in
 * oidc mode it runs once the user has signed in, and every call it makes carries their token.
 */
export function SignInGate() {
  const [state, setState] = useState<SignInState | null>(null)
  const [error, setError] = useState<unknown>(null)
  // Once per page: the callback's code can be redeemed only once, even where effects run twice.
  const started = useRef<Promise<SignInState> | null>(null)
  const start = () => {
    setError(null)
    started.current ??= startSignIn(browserPage(setState))
    started.current.then(setState, (cause: unknown) => {
      started.current = null
      setError(cause)
    })
  }
  useEffect(start, [])

  if (error !== null)
    return (
      <Frame title="The app could not start">
        <ErrorNotice error={error} onRetry={start} />
      </Frame>
    )
  if (state === null)
    return (
      <Frame title="Loading…">
        <p className="hint">Connecting to the Coach Up service.</p>
      </Frame>
    )
  if (state.kind === "local") return <App />
  if (state.kind === "signed-out")
    return (
      <Frame title="You have signed out">
        <p>Sign in to continue your conversations.</p>
        <button type="button" onClick={state.signIn}>
          Sign in
        </button>
      </Frame>
    )
  return <SignedInApp account={state.account} fetch={state.fetch} />
}

/** The app, talking to the service as the signed-in user. */
function SignedInApp(props: { readonly account: Account; readonly fetch: SignedIn["fetch"] }) {
  const service = useMemo(() => serviceClient(props.fetch), [props.fetch])
  return (
    <ServiceContext.Provider value={service}>
      <App account={props.account} />
    </ServiceContext.Provider>
  )
}
