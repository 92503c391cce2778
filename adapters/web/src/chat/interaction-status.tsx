import type { InteractionGroup } from "../api-types.ts"
import { howItClosed, shortGroupId } from "../interaction-wording.ts"
import { Link } from "../router.tsx"

/** Whether a practice is underway, from the session's interaction groups (oldest first). */
export function InteractionStatus(props: {
  /** Null until the first answer; "unavailable" when the last read failed. */
  readonly groups: ReadonlyArray<InteractionGroup> | null | "unavailable"
}) {
  const groups = props.groups === "unavailable" ? null : props.groups
  const latest = groups?.at(-1)
  let text: string
  if (props.groups === "unavailable") text = "Whether a practice is in progress cannot be checked right now."
  else if (groups === null) text = "Checking for a practice in progress…"
  else if (latest === undefined) text = "No interaction in progress."
  else if (latest.status === "open")
    text = `Practising: interaction ${shortGroupId(latest.groupId)}, ${latest.messages} message${latest.messages === 1 ? "" : "s"} from you so far.`
  else
    text = `No interaction in progress. The last one (${shortGroupId(latest.groupId)}) ${howItClosed(latest)}.`
  return (
    <p className={`interaction ${latest?.status === "open" ? "interaction-open" : ""}`} role="status">
      {text}
      {latest?.status === "closed" && latest.assessmentRequested ? (
        <>
          {" "}
          <Link to="/assessments">See its assessment</Link>
        </>
      ) : null}
    </p>
  )
}
