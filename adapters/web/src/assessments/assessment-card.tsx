import type { AssessmentView } from "../api-types.ts"
import { shortGroupId } from "../interaction-wording.ts"
import { ScoreBars } from "./score-bars.tsx"

const progress = { pending: "Waiting to be assessed…", running: "Being assessed now…" }

/** One interaction's assessment: its progress until it is done, then its scores and advice. */
export function AssessmentCard(props: { readonly assessment: AssessmentView }) {
  const { assessment } = props
  const { result } = assessment
  return (
    <article className="assessment" aria-labelledby={`assessment-${assessment.groupId}`}>
      <h2 id={`assessment-${assessment.groupId}`}>
        Interaction {shortGroupId(assessment.groupId)}{" "}
        <small>ended {new Date(assessment.queuedAt).toLocaleString()}</small>
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
          <p className="hint">
            Assessed by {result.assessor}
            {result.heuristic ? " (rule-based: no language model configured)" : ""}, rubric{" "}
            {result.rubricVersion}.
          </p>
        </>
      ) : null}
    </article>
  )
}
