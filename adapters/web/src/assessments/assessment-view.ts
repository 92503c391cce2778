/** A group's assessment as `GET /sessions/:sessionId/assessments` returns it. */
export interface AssessmentView {
  readonly groupId: string
  readonly sessionId: string
  readonly status: "pending" | "running" | "completed" | "failed"
  readonly attempts: number
  readonly queuedAt: number
  readonly updatedAt: number
  readonly failureReason: string | null
  readonly result: null | {
    readonly rubricVersion: string
    readonly assessor: string
    readonly heuristic: boolean
    readonly latencyMs: number
    readonly scores: ReadonlyArray<{
      readonly criterion: string
      readonly label: string
      readonly score: number
      readonly justification: string
    }>
    readonly summary: string
    readonly nextStep: string
  }
}

export interface SessionAssessments {
  readonly sessionId: string
  readonly assessments: ReadonlyArray<AssessmentView>
}
