import { useEffect, useState } from "react"
import { getJson, sendJson } from "../api-client.ts"
import type { UserPrivacy } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"

/** The user's privacy choice, loaded from and saved to the service. */
export function SettingsPage() {
  const [optOut, setOptOut] = useState<boolean | null>(null)
  const [saving, setSaving] = useState(false)
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    setError(null)
    getJson<UserPrivacy>("/settings/privacy", controller.signal)
      .then((settings) => setOptOut(settings.transcriptPersistenceOptOut))
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [attempt])

  // The box follows the click at once, and goes back if the service does not take the change. It
  // stays enabled while saving (disabling it would drop keyboard focus); a click meanwhile is ignored.
  const change = async (next: boolean) => {
    if (saving) return
    const previous = optOut
    setOptOut(next)
    setSaving(true)
    setSaved(false)
    setError(null)
    try {
      const settings = await sendJson<UserPrivacy>("PUT", "/settings/privacy", {
        transcriptPersistenceOptOut: next
      })
      setOptOut(settings.transcriptPersistenceOptOut)
      setSaved(true)
    } catch (cause) {
      setOptOut(previous)
      setError(cause)
    } finally {
      setSaving(false)
    }
  }

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <h2>Privacy</h2>
      <label className="setting">
        <input
          type="checkbox"
          checked={optOut === true}
          disabled={optOut === null}
          aria-busy={saving}
          onChange={(event) => void change(event.target.checked)}
          aria-describedby="opt-out-meaning"
        />{" "}
        Don&apos;t keep my transcripts
      </label>
      <div id="opt-out-meaning" className="hint">
        <p>When this is on, for every session that does not override it:</p>
        <ul>
          <li>
            your messages and the coach&apos;s replies are not stored in the database, or anywhere else
            durable;
          </li>
          <li>
            the conversation is kept in this server process&apos;s memory only while the session is active, so
            the coach still sees its recent messages, and it is gone when the session goes quiet or the server
            restarts;
          </li>
          <li>
            assessments of practice in such a session are computed from that memory, and are lost when the
            server restarts.
          </li>
        </ul>
        <p>
          It applies to messages sent from now on; what is already stored stays until you delete it in History
          or it expires.
        </p>
      </div>
      <p role="status" className="saved">
        {saving ? "Saving…" : saved ? "Saved." : ""}
      </p>
      {error === null ? null : (
        <ErrorNotice
          error={error}
          onRetry={() => (optOut === null ? setAttempt((n) => n + 1) : setError(null))}
        />
      )}
    </section>
  )
}
