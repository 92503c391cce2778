import { useEffect, useState } from "react"
import { describeError, getJson, sendJson } from "../api-client.ts"
import type { SessionPrivacy, SessionPrivacyView } from "../api-types.ts"

const privacyPath = (sessionId: string) => `/sessions/${encodeURIComponent(sessionId)}/privacy`

/**
 * The session's own "don't keep" switch: it shows the opt-out the session follows, as the service
 * answers it (the session's override, else the user's setting).
 */
export function SessionPrivacyToggle(props: { readonly sessionId: string }) {
  const { sessionId } = props
  const [optOut, setOptOut] = useState<boolean | null>(null)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    const controller = new AbortController()
    setOptOut(null)
    getJson<SessionPrivacyView>(privacyPath(sessionId), controller.signal)
      .then((privacy) => setOptOut(privacy.transcriptPersistenceOptOut))
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [sessionId])

  // The box follows the click at once, and goes back if the service does not take the change. It
  // stays enabled while saving (disabling it would drop keyboard focus); a click meanwhile is ignored.
  const change = async (next: boolean) => {
    if (saving) return
    const previous = optOut
    setOptOut(next)
    setSaving(true)
    setError(null)
    try {
      const saved = await sendJson<SessionPrivacy>("PUT", privacyPath(sessionId), {
        transcriptPersistenceOptOut: next
      })
      setOptOut(saved.transcriptPersistenceOptOut)
    } catch (cause) {
      setOptOut(previous)
      setError(cause)
    } finally {
      setSaving(false)
    }
  }

  return (
    <div className="session-privacy">
      <label>
        <input
          type="checkbox"
          checked={optOut === true}
          disabled={optOut === null}
          aria-busy={saving}
          onChange={(event) => void change(event.target.checked)}
          aria-describedby="session-privacy-hint"
        />{" "}
        Don&apos;t keep this session&apos;s transcript
      </label>
      <p id="session-privacy-hint" className="hint">
        For this session only; it overrides your choice in Settings.
      </p>
      {error === null ? null : (
        <p className="field-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </div>
  )
}
