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
      ],
      "GET /me/assessments": [{ json: { assessments: [] } }]
    })
    renderWithService(service, <AssessmentsPage sessionId="s-1" />)
    expect(await screen.findByText(/Waiting to be assessed/)).toBeTruthy()

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
        "GET /sessions/s-1/assessments": [{ json: { sessionId: "s-1", assessments: [failed] } }],
        "GET /me/assessments": [{ json: { assessments: [] } }]
      }),
      <AssessmentsPage sessionId="s-1" />
    )
    expect(await screen.findByText("The assessment failed: the model timed out")).toBeTruthy()
  })

  it("charts each criterion's scores across my sessions, oldest first, and reads them again when one completes", async () => {
    const later = (groupId: string, at: number, clarity: number, empathy: number): AssessmentView => ({
      ...completed,
      groupId,
      sessionId: "s-0",
      queuedAt: at,
      result: {
        ...completed.result!,
        scores: [
          { ...completed.result!.scores[0]!, score: clarity },
          { ...completed.result!.scores[1]!, score: empathy }
        ]
      }
    })
    const service = fakeService({
      "GET /sessions/s-1/assessments": [
        { json: { sessionId: "s-1", assessments: [queued] } },
        { json: { sessionId: "s-1", assessments: [completed] } }
      ],
      "GET /me/assessments": [
        { json: { assessments: [later("g-old", 1_600_000_000_000, 2, 3)] } },
        {
          json: {
            assessments: [
              later("g-old", 1_600_000_000_000, 2, 3),
              later("g-new", 1_650_000_000_000, 3, 3),
              completed
            ]
          }
        }
      ]
    })
    renderWithService(service, <AssessmentsPage sessionId="s-1" />)
    expect(
      (await screen.findByRole("img", { name: /^Clarity across 1 assessment\b/ })).getAttribute("aria-label")
    ).toBe("Clarity across 1 assessment, oldest to newest: 2 out of 5")
    expect(screen.getByText(/One assessment so far/)).toBeTruthy()

    const clarity = await screen.findByRole("img", { name: /^Clarity across 3/ }, { timeout: 3000 })
    expect(clarity.getAttribute("aria-label")).toBe(
      "Clarity across 3 assessments, oldest to newest: 2, 3, 4 out of 5"
    )
    expect(clarity.querySelectorAll("circle")).toHaveLength(3)
    expect(screen.getByRole("img", { name: /^Empathy across 3/ }).getAttribute("aria-label")).toContain(
      "3, 3, 2"
    )
    expect(screen.getByText("4 / 5, up 1 since last time")).toBeTruthy()
    expect(screen.getByText("2 / 5, down 1 since last time")).toBeTruthy()
    const rows = screen.getAllByRole("row").map((row) => row.textContent)
    expect(rows).toHaveLength(4)
    expect(rows.slice(1).map((row) => row?.slice(-2))).toEqual(["23", "33", "42"])
  })

  it("says what to do when nothing has been assessed, and offers a retry when my scores cannot be read", async () => {
    renderWithService(
      fakeService({
        "GET /sessions/s-1/assessments": [{ json: { sessionId: "s-1", assessments: [] } }],
        "GET /me/assessments": [
          {
            json: { error: { code: "store_unavailable", message: "The store is not answering." } },
            status: 503
          },
          { json: { assessments: [] } }
        ]
      }),
      <AssessmentsPage sessionId="s-1" />
    )
    expect(await screen.findByText("The store is not answering.")).toBeTruthy()
    expect(await screen.findByText(/No assessments yet/)).toBeTruthy()
    screen.getByRole("button", { name: "Retry" }).click()
    expect(await screen.findByText(/Your scores over time appear here/)).toBeTruthy()
    expect(screen.queryByText("The store is not answering.")).toBeNull()
  })
})
