import { describeError } from "../api-client.ts"
import { OptOutCheckbox } from "../opt-out-checkbox.tsx"
import { useOptOut } from "../use-opt-out.ts"

/**
 * The session's own "don't keep" switch: it shows the opt-out the session follows, as the service
 * answers it (the session's override, else the user's setting).
 */
export function SessionPrivacyToggle(props: { readonly sessionId: string }) {
  const setting = useOptOut(`/sessions/${encodeURIComponent(props.sessionId)}/privacy`)

  return (
    <div className="session-privacy">
      <OptOutCheckbox setting={setting} describedBy="session-privacy-hint">
        Don&apos;t keep this session&apos;s transcript
      </OptOutCheckbox>
      <p id="session-privacy-hint" className="hint">
        For this session only; it overrides your choice in Settings.
      </p>
      {setting.error === null ? null : (
        <p className="field-error" role="alert">
          {describeError(setting.error)}
        </p>
      )}
    </div>
  )
}
