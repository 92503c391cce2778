import { useEffect, useState } from "react"
import type { SessionPrivacy, SessionPrivacyView, UserPrivacy } from "./api-types.ts"
import { orWhenNoSession } from "./api-client.ts"
import { useService } from "./service-context.ts"

/**
 * A `transcriptPersistenceOptOut` the service holds at `path` (the user's `/settings/privacy` or a
 * session's `/sessions/:sessionId/privacy`): read on mount (and when `reload` changes), written by
 * `change`. The value follows a change at once and goes back if the service does not take it; a
 * change while one is saving is ignored (the box stays enabled, so keyboard focus stays on it).
 * A session nobody has written to yet is not found: it follows the user's setting.
 */
export const useOptOut = (path: string, reload = 0) => {
  const { getJson, sendJson } = useService()
  const [optOut, setOptOut] = useState<boolean | null>(null)
  const [saving, setSaving] = useState(false)
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<unknown>(null)

  useEffect(() => {
    const controller = new AbortController()
    setOptOut(null)
    setError(null)
    orWhenNoSession(getJson<UserPrivacy | SessionPrivacyView>(path, controller.signal), () =>
      getJson<UserPrivacy>("/settings/privacy", controller.signal)
    )
      .then((settings) => setOptOut(settings.transcriptPersistenceOptOut))
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [getJson, path, reload])

  const change = async (next: boolean) => {
    if (saving) return
    const previous = optOut
    setOptOut(next)
    setSaving(true)
    setSaved(false)
    setError(null)
    try {
      const settings = await sendJson<UserPrivacy | SessionPrivacy>("PUT", path, {
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

  return { optOut, saving, saved, error, change, dismissError: () => setError(null) }
}
