import type { AssessmentView } from "../api-types.ts"
import { ScoreBars } from "./score-bars.tsx"

const progress = { pending: "Waiting to be assessed…", running: "Being assessed now…" }

/**
 * One role play's assessment, titled by its scenario: its progress until it is done, then its scores
 * and advice. Who assessed it, and by which rubric, waits behind "Details".
 */
export function AssessmentCard(props: {
  readonly assessment: AssessmentView
  /** The role play's opening message, as a title; unknown for a session whose transcript is not kept. */
  readonly scenario?: string | undefined
}) {
  const { assessment } = props
  const { result } = assessment
  return (
    <article className="assessment" aria-labelledby={`assessment-${assessment.groupId}`}>
      <h2 id={`assessment-${assessment.groupId}`}>
        <span className="scenario">{props.scenario ?? "Role play"}</span>{" "}
        <small>
          ended{" "}
          {new Date(assessment.queuedAt).toLocaleString(undefined, {
            dateStyle: "medium",
            timeStyle: "short"
          })}
        </small>
      </h2>
      {assessment.status === "pending" || assessment.status === "running" ? (
        <p role="status" className="progress">
          <span className="spinner" aria-hidden="true" /> {progress[assessment.status]}
          {assessment.attempts > 1 ? ` (attempt ${assessment.attempts})` : ""}
        </p>
      ) : null}
      {assessment.status === "failed" ? (
        <p className="notice notice-error">
          The assessment failed{assessment.failureReason === null ? "." : `: ${assessment.failureReason}`}
        </p>
      ) : null}
      {assessment.status === "completed" && result !== null ? (
        <>
          <ScoreBars scores={result.scores} />
          <h3>Summary</h3>
          <p>{result.summary}</p>
          <h3>Next step</h3>
          <p>{result.nextStep}</p>
          <details className="hint">
            <summary>Details</summary>
            Assessed by {result.assessor}
            {result.heuristic ? " (rule-based: no language model configured)" : ""}, rubric{" "}
            {result.rubricVersion}.
          </details>
        </>
      ) : null}
    </article>
  )
}
