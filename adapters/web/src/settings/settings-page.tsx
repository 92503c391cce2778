import { useState } from "react"
import { ErrorNotice } from "../error-notice.tsx"
import { OptOutCheckbox } from "../opt-out-checkbox.tsx"
import { useOptOut } from "../use-opt-out.ts"

/** The user's privacy choice, loaded from and saved to the service. */
export function SettingsPage() {
  const [attempt, setAttempt] = useState(0)
  const setting = useOptOut("/settings/privacy", attempt)
  const { optOut, saving, saved, error, dismissError } = setting

  return (
    <section aria-labelledby="settings-heading">
      <h1 id="settings-heading">Settings</h1>
      <h2>Privacy</h2>
      <OptOutCheckbox setting={setting} describedBy="opt-out-meaning" className="setting">
        Don&apos;t keep my transcripts
      </OptOutCheckbox>
      <div id="opt-out-meaning" className="hint">
        <p>When this is on, for every session that does not override it:</p>
        <ul>
          <li>
            your messages and the coach&apos;s replies are not stored in the database, or anywhere else
            durable;
          </li>
          <li>
            the coach remembers the conversation only while the session is active, so it still sees your
            recent messages; they are gone when the session goes quiet or the service restarts;
          </li>
          <li>
            assessments of practice in such a session are made from what the coach remembers, and are lost
            when the service restarts.
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
          onRetry={() => (optOut === null ? setAttempt((n) => n + 1) : dismissError())}
        />
      )}
    </section>
  )
}
