import { useEffect, useRef, useState } from "react"
import { AssessmentsPage } from "./assessments/assessments-page.tsx"
import { ChatPage } from "./chat/chat-page.tsx"
import { ErrorBoundary } from "./error-boundary.tsx"
import { HistoryPage } from "./history/history-page.tsx"
import { NotFoundPage } from "./not-found-page.tsx"
import { Link, navigate, usePath } from "./router.tsx"
import { initialSessionId, newSessionId, rememberSessionId } from "./session.ts"
import { SessionsSidebar } from "./sessions/sessions-sidebar.tsx"
import { SettingsPage } from "./settings/settings-page.tsx"
import type { Account } from "./sign-in/sign-in.ts"
import "./app-shell.css"

const pages = [
  { path: "/", title: "Chat" },
  { path: "/history", title: "History" },
  { path: "/assessments", title: "Assessments" },
  { path: "/settings", title: "Settings" }
] as const

/** The address the sessions list had as a page of its own: it opens the sessions drawer now. */
const SESSIONS_PATH = "/my-sessions"

/**
 * The app's frame: a fixed header (navigation, who is signed in: none in local mode), the user's
 * sessions beside the page (a drawer on a phone), and the page the address names, for the session
 * chosen there.
 */
export function App(props: { readonly account?: Account }) {
  const { account } = props
  const subject = account?.subject ?? null
  const path = usePath()
  const [sessionId, setSessionId] = useState(() => initialSessionId(subject))
  // Bumped whenever the sessions list may have changed: a turn ended, a session opened or started.
  const [sessionsChanged, setSessionsChanged] = useState(0)
  const [drawerOpen, setDrawerOpen] = useState(path === SESSIONS_PATH)
  const drawerButton = useRef<HTMLButtonElement>(null)
  const changed = () => setSessionsChanged((count) => count + 1)
  const closeDrawer = () => {
    setDrawerOpen(false)
    drawerButton.current?.focus()
  }
  /** History and Assessments follow the session opened; other pages give way to its chat. */
  const openSession = (chosen: string) => {
    rememberSessionId(subject, chosen)
    setSessionId(chosen)
    setDrawerOpen(false)
    changed()
    if (path !== "/history" && path !== "/assessments") navigate("/")
  }
  /** A new session has nothing to show but its chat. */
  const startSession = () => {
    openSession(newSessionId())
    if (path === "/history" || path === "/assessments") navigate("/")
  }
  const known =
    pages.find((candidate) => candidate.path === path) ?? (path === SESSIONS_PATH ? pages[0] : undefined)
  const page = known ?? { path, title: "Page not found" }
  useEffect(() => {
    document.title = `${page.title} · Coach Up`
  }, [page.title])

  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <button
          type="button"
          ref={drawerButton}
          className="drawer-toggle"
          aria-expanded={drawerOpen}
          aria-controls="sessions-drawer"
          onClick={() => setDrawerOpen((open) => !open)}
        >
          My sessions
        </button>
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
      <div className="app-body">
        <aside
          id="sessions-drawer"
          className={`sessions-drawer${drawerOpen ? " open" : ""}`}
          aria-label="My sessions"
          onKeyDown={(event) => {
            if (event.key === "Escape" && drawerOpen) closeDrawer()
          }}
        >
          <SessionsSidebar
            currentSessionId={sessionId}
            refreshKey={sessionsChanged}
            onOpen={openSession}
            onNew={startSession}
            onDeleted={(deleted) => (deleted === sessionId ? startSession() : changed())}
          />
        </aside>
        {drawerOpen ? (
          <button
            type="button"
            className="drawer-backdrop"
            aria-label="Close my sessions"
            onClick={closeDrawer}
          />
        ) : null}
        <main id="main">
          <ErrorBoundary key={`${page.path} ${sessionId}`}>
            {page.path === "/" ? <ChatPage sessionId={sessionId} onTurnEnded={changed} /> : null}
            {page.path === "/history" ? <HistoryPage sessionId={sessionId} onDeleted={startSession} /> : null}
            {page.path === "/assessments" ? <AssessmentsPage sessionId={sessionId} /> : null}
            {page.path === "/settings" ? <SettingsPage /> : null}
            {known === undefined ? <NotFoundPage path={path} /> : null}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  )
}
