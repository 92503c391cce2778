import { useEffect, useState } from "react"
import { AssessmentsPage } from "./assessments/assessments-page.tsx"
import { ChatPage } from "./chat/chat-page.tsx"
import { ErrorBoundary } from "./error-boundary.tsx"
import { HistoryPage } from "./history/history-page.tsx"
import { Link, navigate, usePath } from "./router.tsx"
import { initialSessionId, newSessionId, rememberSessionId } from "./session.ts"
import { SettingsPage } from "./settings/settings-page.tsx"

const pages = [
  { path: "/", title: "Chat" },
  { path: "/history", title: "History" },
  { path: "/assessments", title: "Assessments" },
  { path: "/settings", title: "Settings" }
] as const

/** The app's frame: navigation, the current session, and the page the address names. */
export function App() {
  const path = usePath()
  const [sessionId, setSessionId] = useState(initialSessionId)
  const startSession = () => {
    const fresh = newSessionId()
    rememberSessionId(fresh)
    setSessionId(fresh)
    navigate("/")
  }
  const page = pages.find((candidate) => candidate.path === path) ?? pages[0]
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
      </header>
      <main id="main">
        <ErrorBoundary key={`${page.path} ${sessionId}`}>
          {page.path === "/" ? <ChatPage sessionId={sessionId} /> : null}
          {page.path === "/history" ? <HistoryPage sessionId={sessionId} onDeleted={startSession} /> : null}
          {page.path === "/assessments" ? <AssessmentsPage sessionId={sessionId} /> : null}
          {page.path === "/settings" ? <SettingsPage /> : null}
        </ErrorBoundary>
      </main>
    </>
  )
}
