import type { AssessmentView } from "../api-types.ts"
import { type CriterionSeries, scoreSeries } from "./score-series.ts"

const MAX_SCORE = 5
const WIDTH = 320
const HEIGHT = 132
const LEFT = 22
const RIGHT = 10
const TOP = 8
const BOTTOM = 22

const day = (ts: number) => new Date(ts).toLocaleDateString(undefined, { day: "numeric", month: "short" })
const clock = (ts: number) =>
  new Date(ts).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" })

/** The first and last assessments' dates under the chart; their times when they fall on one day. */
const ends = (first: number, last: number) =>
  day(first) === day(last) ? [clock(first), clock(last)] : [day(first), day(last)]

const xOf = (index: number, count: number) =>
  count === 1 ? (LEFT + WIDTH - RIGHT) / 2 : LEFT + (index * (WIDTH - LEFT - RIGHT)) / (count - 1)
const yOf = (score: number) => TOP + ((MAX_SCORE - score) * (HEIGHT - TOP - BOTTOM)) / (MAX_SCORE - 1)

const change = (series: CriterionSeries) => {
  const [previous, latest] = series.points.slice(-2)
  if (latest === undefined || previous === undefined) return null
  const delta = latest.score - previous.score
  return delta === 0
    ? "same as last time"
    : delta > 0
      ? `up ${delta} since last time`
      : `down ${-delta} since last time`
}

/** One criterion's scores as a line on a 1–5 scale, oldest on the left. */
function CriterionTrend(props: { readonly series: CriterionSeries }) {
  const { series } = props
  const { points } = series
  const latest = points.at(-1)!
  const scores = points.map((point) => point.score).join(", ")
  const moved = change(series)
  const [from, to] = ends(points[0]!.at, latest.at)
  return (
    <figure className="trend">
      <figcaption>
        <span className="trend-label">{series.label}</span>
        <span className="trend-latest">
          {latest.score} / {MAX_SCORE}
          {moved === null ? "" : `, ${moved}`}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${series.label} across ${points.length} assessment${points.length === 1 ? "" : "s"}, oldest to newest: ${scores} out of ${MAX_SCORE}`}
      >
        {[1, 2, 3, 4, 5].map((score) => (
          <g key={score} className="trend-grid">
            <line x1={LEFT} x2={WIDTH - RIGHT} y1={yOf(score)} y2={yOf(score)} />
            <text x={LEFT - 8} y={yOf(score)} dominantBaseline="middle" textAnchor="end">
              {score}
            </text>
          </g>
        ))}
        <polyline
          className="trend-line"
          points={points.map((point, index) => `${xOf(index, points.length)},${yOf(point.score)}`).join(" ")}
        />
        {points.map((point, index) => (
          <circle
            key={point.groupId}
            className={point.score <= 2 ? "trend-point trend-point-low" : "trend-point"}
            cx={xOf(index, points.length)}
            cy={yOf(point.score)}
            r={4}
          />
        ))}
        <text className="trend-axis" x={LEFT} y={HEIGHT - 4} textAnchor="start">
          {from}
        </text>
        {points.length > 1 ? (
          <text className="trend-axis" x={WIDTH - RIGHT} y={HEIGHT - 4} textAnchor="end">
            {to}
          </text>
        ) : null}
      </svg>
    </figure>
  )
}

/**
 * Progress over time: each rubric criterion's score across the user's completed assessments, oldest
 * to newest, one small chart per criterion (readable on a phone), and the same scores as a table.
 */
export function ProgressChart(props: { readonly assessments: ReadonlyArray<AssessmentView> }) {
  const series = scoreSeries(props.assessments)
  const completed = props.assessments.filter(
    (assessment) => assessment.status === "completed" && assessment.result !== null
  )
  if (series.length === 0)
    return (
      <p className="empty-state">
        Your scores over time appear here once a role play has been assessed. Practise one in Chat and end it
        (“Let&apos;s stop the role play”).
      </p>
    )
  return (
    <>
      {completed.length === 1 ? (
        <p className="hint">One assessment so far: practise another role play to see how your scores move.</p>
      ) : null}
      <div className="trends">
        {series.map((criterion) => (
          <CriterionTrend key={criterion.criterion} series={criterion} />
        ))}
      </div>
      <details className="trend-table">
        <summary>The scores as a table</summary>
        {/* Focusable, so a table wider than a phone scrolls from the keyboard too. */}
        <div className="table-scroll" role="region" aria-label="Scores table" tabIndex={0}>
          <table>
            <caption>Scores out of {MAX_SCORE}, oldest assessment first</caption>
            <thead>
              <tr>
                <th scope="col">Assessed</th>
                {series.map((criterion) => (
                  <th key={criterion.criterion} scope="col">
                    {criterion.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {completed.map((assessment) => (
                <tr key={assessment.groupId}>
                  <th scope="row">{new Date(assessment.queuedAt).toLocaleString()}</th>
                  {series.map((criterion) => (
                    <td key={criterion.criterion}>
                      {criterion.points.find((point) => point.groupId === assessment.groupId)?.score ?? "–"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  )
}
