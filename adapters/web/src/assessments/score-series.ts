import type { AssessmentView } from "../api-types.ts"

/** One assessed interaction's score for a criterion. */
export interface ScorePoint {
  readonly groupId: string
  readonly at: number
  readonly score: number
}

/** A rubric criterion's scores across assessments, oldest first. */
export interface CriterionSeries {
  readonly criterion: string
  readonly label: string
  readonly points: ReadonlyArray<ScorePoint>
}

/**
 * Each criterion's scores over the completed assessments, oldest first, in the order the criteria
 * first appear; a criterion takes the label its newest assessment gives it.
 */
export const scoreSeries = (assessments: ReadonlyArray<AssessmentView>): ReadonlyArray<CriterionSeries> => {
  const byCriterion = new Map<string, { label: string; points: Array<ScorePoint> }>()
  const completed = assessments
    .filter((assessment) => assessment.status === "completed" && assessment.result !== null)
    .toSorted((a, b) => a.queuedAt - b.queuedAt)
  for (const assessment of completed) {
    for (const score of assessment.result?.scores ?? []) {
      const series = byCriterion.get(score.criterion) ?? { label: score.label, points: [] }
      series.label = score.label
      series.points.push({ groupId: assessment.groupId, at: assessment.queuedAt, score: score.score })
      byCriterion.set(score.criterion, series)
    }
  }
  return Array.from(byCriterion, ([criterion, series]) => ({ criterion, ...series }))
}
