import { useEffect, useState } from "react"
import { AssessmentsPage } from "./assessments/assessments-page.tsx"
import { ChatPage } from "./chat/chat-page.tsx"
import { ErrorBoundary } from "./error-boundary.tsx"
import { HistoryPage } from "./history/history-page.tsx"
import { NotFoundPage } from "./not-found-page.tsx"
import { Link, navigate, usePath } from "./router.tsx"
import { initialSessionId, newSessionId, rememberSessionId } from "./session.ts"
import { MySessionsPage } from "./sessions/my-sessions-page.tsx"
import { SettingsPage } from "./settings/settings-page.tsx"
import type { Account } from "./sign-in/sign-in.ts"

const pages = [
  { path: "/", title: "Chat" },
  { path: "/my-sessions", title: "My sessions" },
  { path: "/history", title: "History" },
  { path: "/assessments", title: "Assessments" },
  { path: "/settings", title: "Settings" }
] as const

/**
 * The app's frame: navigation, the current session, who is signed in (none in local mode), and the
 * page the address names.
 */
export function App(props: { readonly account?: Account }) {
  const { account } = props
  const subject = account?.subject ?? null
  const path = usePath()
  const [sessionId, setSessionId] = useState(() => initialSessionId(subject))
  const openSession = (chosen: string) => {
    rememberSessionId(subject, chosen)
    setSessionId(chosen)
    navigate("/")
  }
  const startSession = () => openSession(newSessionId())
  const known = pages.find((candidate) => candidate.path === path)
  const page = known ?? { path, title: "Page not found" }
  useEffect(() => {
    document.title = `${page.title} · Coach Up`
  }, [page.title])

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">Coach Up</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((candidate) => (
              <li key={candidate.path}>
                <Link to={candidate.path} current={candidate.path === page.path}>
                  {candidate.title}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="session-bar">
          <span className="session-id" title={sessionId}>
            Session <code>{sessionId}</code>
          </span>
          <button type="button" onClick={startSession}>
            New session
          </button>
        </div>
        {account === undefined ? null : (
          <div className="account-bar">
            <span>
              Signed in as <strong>{account.displayName}</strong>
            </span>
            <button type="button" onClick={account.signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">
        <ErrorBoundary key={`${page.path} ${sessionId}`}>
          {page.path === "/" ? <ChatPage sessionId={sessionId} /> : null}
          {page.path === "/my-sessions" ? (
            <MySessionsPage currentSessionId={sessionId} onOpen={openSession} onNew={startSession} />
          ) : null}
          {page.path === "/history" ? <HistoryPage sessionId={sessionId} onDeleted={startSession} /> : null}
          {page.path === "/assessments" ? <AssessmentsPage sessionId={sessionId} /> : null}
          {page.path === "/settings" ? <SettingsPage /> : null}
          {known === undefined ? <NotFoundPage path={path} /> : null}
        </ErrorBoundary>
      </main>
    </>
  )
}
