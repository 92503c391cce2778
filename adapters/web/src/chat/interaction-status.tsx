import type { InteractionGroup } from "../api-types.ts"
import { howItClosed } from "../interaction-wording.ts"
import { Link } from "../router.tsx"

/** The status line by the composer: whether a role play is underway, from the session's groups (oldest first). */
export function InteractionStatus(props: {
  /** Null until the first answer; "unavailable" when the last read failed. */
  readonly groups: ReadonlyArray<InteractionGroup> | null | "unavailable"
}) {
  const groups = props.groups === "unavailable" ? null : props.groups
  const latest = groups?.at(-1)
  let text: string
  if (props.groups === "unavailable") text = "Whether a role play is in progress cannot be checked right now."
  else if (groups === null) text = "Checking for a role play in progress…"
  else if (latest === undefined) text = "No role play in progress."
  else if (latest.status === "open")
    text = `Role play in progress · ${latest.messages} message${latest.messages === 1 ? "" : "s"} from you so far`
  // Whether the assessment is done yet the groups do not say: the link leads to its progress.
  else if (latest.assessmentRequested) text = "Ended —"
  else text = `The last role play ${howItClosed(latest)}. No role play in progress.`
  return (
    <p className={`interaction ${latest?.status === "open" ? "interaction-open" : ""}`} role="status">
      {text}
      {latest?.status === "closed" && latest.assessmentRequested ? (
        <>
          {" "}
          <Link to="/assessments">see your assessment</Link>
        </>
      ) : null}
    </p>
  )
}
