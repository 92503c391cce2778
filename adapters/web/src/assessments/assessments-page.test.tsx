// @vitest-environment happy-dom
import { cleanup, screen } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { renderWithService } from "../test-support/render-with-service.tsx"
import { fakeService } from "../test-support/fake-service.ts"
import type { AssessmentView } from "../api-types.ts"
import { AssessmentsPage } from "./assessments-page.tsx"

const queued: AssessmentView = {
  groupId: "g-12345678-abcd",
  sessionId: "s-1",
  status: "pending",
  attempts: 0,
  queuedAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  failureReason: null,
  result: null
}

const completed: AssessmentView = {
  ...queued,
  status: "completed",
  attempts: 1,
  result: {
    rubricVersion: "v1",
    assessor: "offline-heuristic",
    heuristic: true,
    latencyMs: 3,
    scores: [
      { criterion: "clarity", label: "Clarity", score: 4, justification: "The ask was stated plainly." },
      { criterion: "empathy", label: "Empathy", score: 2, justification: "The manager's view was not named." }
    ],
    summary: "A clear request that could acknowledge the other side more.",
    nextStep: "Open by naming what your manager cares about."
  }
}

afterEach(() => {
  cleanup()
})

describe("the assessments page", () => {
  it("shows a pending assessment's progress, then its scores as bars once it completes, without a reload", async () => {
    const service = fakeService({
      "GET /sessions/s-1/assessments": [
        { json: { sessionId: "s-1", assessments: [queued] } },
        { json: { sessionId: "s-1", assessments: [completed] } }
      ]
    })
    renderWithService(service, <AssessmentsPage sessionId="s-1" />)
    expect((await screen.findByRole("status")).textContent).toContain("Waiting to be assessed")

    await screen.findByText("Open by naming what your manager cares about.", {}, { timeout: 3000 })
    const bars = screen.getAllByRole("meter")
    expect(bars.map((bar) => [bar.getAttribute("aria-label"), bar.getAttribute("aria-valuenow")])).toEqual([
      ["Clarity", "4"],
      ["Empathy", "2"]
    ])
    expect(screen.getByText("The ask was stated plainly.")).toBeTruthy()
    expect(screen.getByText(/offline-heuristic \(rule-based/)).toBeTruthy()
    expect(screen.queryByText("Waiting to be assessed…")).toBeNull()
  })

  it("says why a failed assessment failed", async () => {
    const failed = { ...queued, status: "failed", attempts: 3, failureReason: "the model timed out" }
    renderWithService(
      fakeService({
        "GET /sessions/s-1/assessments": [{ json: { sessionId: "s-1", assessments: [failed] } }]
      }),
      <AssessmentsPage sessionId="s-1" />
    )
    expect(await screen.findByText("The assessment failed: the model timed out")).toBeTruthy()
  })
})
