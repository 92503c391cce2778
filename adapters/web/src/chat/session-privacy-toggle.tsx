import { describeError } from "../api-client.ts"
import { useOptOut } from "../use-opt-out.ts"

/**
 * The session's own "don't keep" switch: it shows the opt-out the session follows, as the service
 * answers it (the session's override, else the user's setting).
 */
export function SessionPrivacyToggle(props: { readonly sessionId: string }) {
  const { optOut, saving, error, change } = useOptOut(
    `/sessions/${encodeURIComponent(props.sessionId)}/privacy`
  )

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
