import { useEffect, useState } from "react"
import type { SessionSummary, SessionsPage } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { useService } from "../service-context.ts"
import { SkeletonLines } from "../skeleton.tsx"
import "./my-sessions.css"

const PAGE_SIZE = 20

const time = (ms: number) => new Date(ms).toLocaleString()

const sessionsPath = (cursor: string | null) => {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) })
  if (cursor !== null) query.set("cursor", cursor)
  return `/sessions?${query}`
}

/** The user's sessions, newest first, as the service lists them: open one, or start a new one. */
export function MySessionsPage(props: {
  readonly currentSessionId: string
  readonly onOpen: (sessionId: string) => void
  readonly onNew: () => void
}) {
  const { getJson } = useService()
  const [sessions, setSessions] = useState<ReadonlyArray<SessionSummary> | null>(null)
  const [nextCursor, setNextCursor] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [more, setMore] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    setError(null)
    getJson<SessionsPage>(sessionsPath(more), controller.signal)
      .then((page) => {
        setSessions((shown) => [...(more === null ? [] : (shown ?? [])), ...page.sessions])
        setNextCursor(page.nextCursor)
      })
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [getJson, more, attempt])

  return (
    <section aria-labelledby="sessions-heading">
      <div className="sessions-header">
        <h1 id="sessions-heading">My sessions</h1>
        <button type="button" onClick={props.onNew}>
          New session
        </button>
      </div>
      {error === null ? null : <ErrorNotice error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {sessions === null && error === null ? (
        <SkeletonLines label="Loading your sessions…" lines={3} />
      ) : null}
      {sessions !== null && sessions.length === 0 ? (
        <p className="hint">No sessions yet: what you write in the chat starts one.</p>
      ) : null}
      {sessions === null || sessions.length === 0 ? null : (
        <ul className="session-list" aria-label="Sessions, newest first">
          {sessions.map((session) => (
            <li key={session.sessionId}>
              <button
                type="button"
                className="session-entry"
                aria-current={session.sessionId === props.currentSessionId ? "true" : undefined}
                onClick={() => props.onOpen(session.sessionId)}
              >
                <span className="session-title">{session.title ?? "Untitled session"}</span>
                <span className="session-facts">
                  {session.messageCount} message{session.messageCount === 1 ? "" : "s"} · last active{" "}
                  {time(session.lastActivityAt)}
                  {session.interactionOpen ? (
                    <span className="badge badge-warning">Interaction open</span>
                  ) : null}
                  {session.sessionId === props.currentSessionId ? (
                    <span className="badge">Current</span>
                  ) : null}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {nextCursor === null ? null : (
        <button type="button" className="secondary" onClick={() => setMore(nextCursor)}>
          Show older sessions
        </button>
      )}
    </section>
  )
}
