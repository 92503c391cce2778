import { useEffect, useRef, useState } from "react"
import { orWhenNoSession, type ServiceClient } from "../api-client.ts"
import type {
  DeletedSession,
  InteractionGroup,
  Message,
  SessionPrivacyView,
  UserPrivacy
} from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { ReplyText } from "../chat/reply-text.tsx"
import { howItClosed } from "../interaction-wording.ts"
import { Link } from "../router.tsx"
import { useService } from "../service-context.ts"
import { SkeletonLines } from "../skeleton.tsx"
import { loadGroups, loadTranscript } from "../transcript.ts"
import { transcriptEntries } from "./transcript-entries.ts"
import "./history.css"

const time = (ts: number) => new Date(ts).toLocaleString()

/**
 * Whether the session's transcript is kept, and why not: its own override, else the user's setting.
 * Unknown (null) when the service cannot say; the page then shows what is stored without a reason.
 */
const privacyOf = (service: ServiceClient, sessionId: string, signal: AbortSignal) =>
  orWhenNoSession(
    service.getJson<SessionPrivacyView>(`/sessions/${encodeURIComponent(sessionId)}/privacy`, signal),
    async (): Promise<SessionPrivacyView> => {
      const user = await service.getJson<UserPrivacy>("/settings/privacy", signal)
      return {
        sessionId,
        transcriptPersistenceOptOut: user.transcriptPersistenceOptOut,
        source: user.transcriptPersistenceOptOut ? "user" : "default"
      }
    }
  ).catch(() => null)

/** Why an opted-out session is not stored, in the user's terms. */
function NotStoredNote(props: { readonly privacy: SessionPrivacyView; readonly hasMessages: boolean }) {
  const why =
    props.privacy.source === "session" ? (
      <>
        You switched on “Don&apos;t keep this session&apos;s transcript” in <Link to="/">Chat</Link>.
      </>
    ) : (
      <>
        Your <Link to="/settings">Settings</Link> say not to keep transcripts.
      </>
    )
  return (
    <div className="notice notice-info" role="note">
      <p>
        <strong>
          {props.hasMessages ? "New messages in this session are not stored." : "This session is not stored."}
        </strong>{" "}
        {why}
      </p>
      <p>
        The service keeps its recent messages in memory only, to answer you while you chat; they are never
        written to storage, so{" "}
        {props.hasMessages ? "they do not appear here" : "there is nothing here to read or delete"}.
      </p>
    </div>
  )
}

/** The session's transcript as the service stored it, and its deletion. */
export function HistoryPage(props: { readonly sessionId: string; readonly onDeleted: () => void }) {
  const { sessionId } = props
  const service = useService()
  const [data, setData] = useState<{
    messages: Array<Message>
    groups: ReadonlyArray<InteractionGroup>
    privacy: SessionPrivacyView | null
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
      loadGroups(service, sessionId, controller.signal),
      privacyOf(service, sessionId, controller.signal)
    ])
      .then(([messages, groups, privacy]) => setData({ messages, groups, privacy }))
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
      setData((shown) => ({ messages: [], groups: [], privacy: shown?.privacy ?? null }))
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
      {data === null && error === null ? <SkeletonLines label="Loading the transcript…" lines={3} /> : null}
      {data?.privacy?.transcriptPersistenceOptOut === true && deleted === null ? (
        <NotStoredNote privacy={data.privacy} hasMessages={data.messages.length > 0} />
      ) : null}
      {data !== null &&
      data.messages.length === 0 &&
      deleted === null &&
      data.privacy?.transcriptPersistenceOptOut !== true ? (
        <p className="empty-state">
          No messages yet. What you and the coach say in <Link to="/">Chat</Link> is kept here, so you can
          read it again or delete it.
        </p>
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
      {/* Only what is stored can be deleted: no Delete beside an empty or unstored session. */}
      {deleted === null && data !== null && data.messages.length > 0 ? (
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
