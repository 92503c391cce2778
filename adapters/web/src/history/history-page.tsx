import { useEffect, useRef, useState } from "react"
import type { DeletedSession, InteractionGroup, Message } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { ReplyText } from "../chat/reply-text.tsx"
import { howItClosed } from "../interaction-wording.ts"
import { useService } from "../service-context.ts"
import { loadGroups, loadTranscript } from "../transcript.ts"
import { transcriptEntries } from "./transcript-entries.ts"
import "./history.css"

const time = (ts: number) => new Date(ts).toLocaleString()

/** The session's transcript as the service stored it, and its deletion. */
export function HistoryPage(props: { readonly sessionId: string; readonly onDeleted: () => void }) {
  const { sessionId } = props
  const service = useService()
  const [data, setData] = useState<{
    messages: Array<Message>
    groups: ReadonlyArray<InteractionGroup>
  } | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const [confirming, setConfirming] = useState(false)
  const [deleted, setDeleted] = useState<number | null>(null)
  const deleteButton = useRef<HTMLButtonElement>(null)
  const cancelButton = useRef<HTMLButtonElement>(null)

  useEffect(() => {
    const controller = new AbortController()
    setError(null)
    Promise.all([
      loadTranscript(service, sessionId, controller.signal),
      loadGroups(service, sessionId, controller.signal)
    ])
      .then(([messages, groups]) => setData({ messages, groups }))
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [service, sessionId, attempt])

  // Focus follows the question: onto its safe answer when it opens, back to its button when it closes.
  const asked = useRef(false)
  useEffect(() => {
    if (confirming) cancelButton.current?.focus()
    else if (asked.current) deleteButton.current?.focus()
    asked.current = confirming
  }, [confirming])

  const remove = async () => {
    setError(null)
    try {
      const result = await service.sendJson<DeletedSession>(
        "DELETE",
        `/sessions/${encodeURIComponent(sessionId)}`
      )
      setDeleted(result.deleted)
      setConfirming(false)
      setData({ messages: [], groups: [] })
    } catch (cause) {
      setError(cause)
    }
  }
  const cancel = () => setConfirming(false)

  return (
    <section aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      <p className="hint">
        This session as the service stored it. Messages of a session whose transcript is not kept do not
        appear here.
      </p>
      {error === null ? null : <ErrorNotice error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {deleted === null ? null : (
        <div className="notice" role="status">
          <p>
            Session deleted ({deleted} message{deleted === 1 ? "" : "s"} removed).
          </p>
          {/* The delete button is gone with the session: focus moves on to what comes next. */}
          <button type="button" onClick={props.onDeleted} autoFocus>
            Start a new session
          </button>
        </div>
      )}
      {data === null && error === null ? <p>Loading…</p> : null}
      {data !== null && data.messages.length === 0 && deleted === null ? (
        <p>No stored messages yet.</p>
      ) : null}
      {data !== null && data.messages.length > 0 ? (
        <ol className="transcript" aria-label="Stored transcript">
          {transcriptEntries(data.messages, data.groups).map((entry) =>
            entry.kind === "message" ? (
              <li
                key={entry.message.messageId}
                className={`message message-${entry.message.role}${entry.message.replaced === true ? " message-replaced" : ""}`}
              >
                <span className="message-author">
                  {entry.message.role === "user" ? "You" : "Coach"} · <time>{time(entry.message.ts)}</time>
                </span>
                {entry.message.role === "user" ? (
                  <p className="message-text">{entry.message.text}</p>
                ) : (
                  <ReplyText text={entry.message.text} />
                )}
                {entry.message.status === "incomplete" || entry.message.replaced === true ? (
                  <p className="message-meta">
                    {entry.message.replaced === true ? (
                      <span className="badge">Replaced by a newer reply</span>
                    ) : null}
                    {entry.message.status === "incomplete" ? (
                      <span className="badge badge-warning">Incomplete: the reply was cut off</span>
                    ) : null}
                  </p>
                ) : null}
              </li>
            ) : (
              <li key={`${entry.kind}-${entry.group.groupId}`} className="boundary">
                {entry.kind === "opened" ? "Role play started" : `Role play ${howItClosed(entry.group)}`}
              </li>
            )
          )}
        </ol>
      ) : null}
      {deleted === null ? (
        <div className="danger-zone">
          {confirming ? (
            <div
              role="alertdialog"
              aria-labelledby="confirm-delete"
              className="confirm"
              onKeyDown={(event) => {
                if (event.key === "Escape") cancel()
              }}
            >
              <p id="confirm-delete">
                Delete this session&apos;s whole transcript from the service? This cannot be undone.
              </p>
              <button type="button" className="danger" onClick={() => void remove()}>
                Yes, delete it
              </button>
              <button type="button" ref={cancelButton} onClick={cancel}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" ref={deleteButton} className="danger" onClick={() => setConfirming(true)}>
              Delete this session…
            </button>
          )}
        </div>
      ) : null}
    </section>
  )
}
