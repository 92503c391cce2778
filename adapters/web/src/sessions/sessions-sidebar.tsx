import { useEffect, useState } from "react"
import { ApiError } from "../api-client.ts"
import type { SessionSummary, SessionsPage } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { useService } from "../service-context.ts"
import { SkeletonLines } from "../skeleton.tsx"
import "./sessions-sidebar.css"

const PAGE_SIZE = 20

const when = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })

const sessionsPath = (cursor: string | null) => {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) })
  if (cursor !== null) query.set("cursor", cursor)
  return `/sessions?${query}`
}

const titleOf = (session: SessionSummary) => session.title ?? "Untitled session"

/**
 * A session with no message has nothing to go back to: one deleted (the service keeps who owns its
 * id). The list leaves those out. An opted-out session's messages count though not stored, so it is
 * listed, untitled.
 */
const hasMessages = (session: SessionSummary) => session.messageCount > 0

/**
 * The user's sessions, newest first, as the service lists them: open one, start a new one, or delete
 * one after a confirmation. Read again whenever `refreshKey` changes (a turn ended, a session was
 * deleted elsewhere).
 */
export function SessionsSidebar(props: {
  readonly currentSessionId: string
  readonly refreshKey: number
  readonly onOpen: (sessionId: string) => void
  readonly onNew: () => void
  readonly onDeleted: (sessionId: string) => void
}) {
  const service = useService()
  const [sessions, setSessions] = useState<ReadonlyArray<SessionSummary> | null>(null)
  const [nextCursor, setNextCursor] = useState<string | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [more, setMore] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<string | null>(null)

  useEffect(() => {
    const controller = new AbortController()
    setError(null)
    service
      .getJson<SessionsPage>(sessionsPath(more), controller.signal)
      .then((page) => {
        setSessions((shown) => [
          ...(more === null ? [] : (shown ?? [])),
          ...page.sessions.filter(hasMessages)
        ])
        setNextCursor(page.nextCursor)
      })
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [service, more, attempt, props.refreshKey])

  const remove = async (sessionId: string) => {
    setError(null)
    try {
      await service.sendJson("DELETE", `/sessions/${encodeURIComponent(sessionId)}`)
    } catch (cause) {
      // Already gone (deleted from another tab): the list catches up all the same.
      if (!(cause instanceof ApiError && cause.code === "session_not_found")) {
        setError(cause)
        return
      }
    }
    setConfirming(null)
    setSessions((shown) => shown?.filter((session) => session.sessionId !== sessionId) ?? null)
    props.onDeleted(sessionId)
  }

  return (
    <section className="sessions" aria-labelledby="sessions-heading">
      <div className="sessions-header">
        <h2 id="sessions-heading">My sessions</h2>
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
                <span className="session-title">{titleOf(session)}</span>
                <span className="session-facts">
                  {session.messageCount} message{session.messageCount === 1 ? "" : "s"} · last active{" "}
                  {when(session.lastActivityAt)}
                  {session.interactionOpen ? (
                    <span className="badge badge-warning">Role play open</span>
                  ) : null}
                </span>
              </button>
              {confirming === session.sessionId ? (
                <div
                  role="alertdialog"
                  aria-labelledby={`confirm-${session.sessionId}`}
                  className="confirm"
                  onKeyDown={(event) => {
                    if (event.key === "Escape") setConfirming(null)
                  }}
                >
                  <p id={`confirm-${session.sessionId}`}>
                    Delete “{titleOf(session)}” and its whole transcript? This cannot be undone.
                  </p>
                  <button type="button" className="danger" onClick={() => void remove(session.sessionId)}>
                    Yes, delete it
                  </button>
                  <button type="button" onClick={() => setConfirming(null)} autoFocus>
                    Cancel
                  </button>
                </div>
              ) : (
                <button
                  type="button"
                  className="session-delete"
                  aria-label={`Delete “${titleOf(session)}”`}
                  onClick={() => setConfirming(session.sessionId)}
                >
                  Delete
                </button>
              )}
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
