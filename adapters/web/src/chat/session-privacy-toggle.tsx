import { useEffect, useState } from "react"
import { describeError, getJson, sendJson } from "../api-client.ts"
import type { SessionPrivacy, UserPrivacy } from "../api-types.ts"

const storageKey = (sessionId: string) => `coachup.sessionOptOut.${sessionId}`

const remembered = (sessionId: string): boolean | null => {
  const value = localStorage.getItem(storageKey(sessionId))
  return value === null ? null : value === "true"
}

/**
 * The session's own "don't keep" switch. The service has no read for a session's override, so the
 * switch shows the override this browser set, else the user's setting the session follows.
 */
export function SessionPrivacyToggle(props: { readonly sessionId: string }) {
  const { sessionId } = props
  const [optOut, setOptOut] = useState<boolean | null>(() => remembered(sessionId))
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    if (optOut !== null) return
    const controller = new AbortController()
    getJson<UserPrivacy>("/settings/privacy", controller.signal)
      .then((settings) => setOptOut(settings.transcriptPersistenceOptOut))
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [optOut])

  // The box follows the click at once, and goes back if the service does not take the change. It
  // stays enabled while saving (disabling it would drop keyboard focus); a click meanwhile is ignored.
  const change = async (next: boolean) => {
    if (saving) return
    const previous = optOut
    setOptOut(next)
    setSaving(true)
    setError(null)
    try {
      const saved = await sendJson<SessionPrivacy>(
        "PUT",
        `/sessions/${encodeURIComponent(sessionId)}/privacy`,
        {
          transcriptPersistenceOptOut: next
        }
      )
      localStorage.setItem(storageKey(sessionId), String(saved.transcriptPersistenceOptOut))
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
