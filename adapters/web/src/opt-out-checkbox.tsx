import type { ReactNode } from "react"
import type { useOptOut } from "./use-opt-out.ts"

/** The checkbox of a "don't keep" setting: disabled until loaded, busy while it saves. */
export function OptOutCheckbox(props: {
  readonly setting: ReturnType<typeof useOptOut>
  readonly describedBy: string
  readonly className?: string
  readonly children: ReactNode
}) {
  const { optOut, saving, change } = props.setting
  return (
    <label {...(props.className === undefined ? {} : { className: props.className })}>
      <input
        type="checkbox"
        checked={optOut === true}
        disabled={optOut === null}
        aria-busy={saving}
        onChange={(event) => void change(event.target.checked)}
        aria-describedby={props.describedBy}
      />{" "}
      {props.children}
    </label>
  )
}
