import type { AssessmentView } from "../api-types.ts"

type Score = NonNullable<AssessmentView["result"]>["scores"][number]

const MAX_SCORE = 5

/** Each rubric criterion as a bar out of 5, with the assessor's reason beneath. */
export function ScoreBars(props: { readonly scores: ReadonlyArray<Score> }) {
  return (
    <dl className="scores">
      {props.scores.map((score) => (
        <div key={score.criterion} className="score">
          <dt>
            <span>{score.label}</span>
            <span className="score-value">
              {score.score} / {MAX_SCORE}
            </span>
          </dt>
          <dd>
            <div
              className="bar"
              role="meter"
              aria-label={score.label}
              aria-valuemin={1}
              aria-valuemax={MAX_SCORE}
              aria-valuenow={score.score}
            >
              <div
                className={`bar-fill ${score.score <= 2 ? "bar-fill-low" : ""}`}
                style={{ width: `${(score.score / MAX_SCORE) * 100}%` }}
              />
            </div>
            <p className="justification">{score.justification}</p>
          </dd>
        </div>
      ))}
    </dl>
  )
}
