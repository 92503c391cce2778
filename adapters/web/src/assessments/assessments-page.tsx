import { useEffect, useState } from "react"
import { orWhenNoSession } from "../api-client.ts"
import { ErrorNotice } from "../error-notice.tsx"
import type { SessionAssessments } from "../api-types.ts"
import { useService } from "../service-context.ts"
import { Link } from "../router.tsx"
import { SkeletonLines } from "../skeleton.tsx"
import { AssessmentCard } from "./assessment-card.tsx"
import { useScenarioTitles } from "./use-scenario-titles.ts"
import { MyProgress } from "./my-progress.tsx"
import "./assessments.css"

/** While something is being assessed the page looks often; otherwise now and then, for new ones. */
const BUSY_POLL_MS = 1000
const IDLE_POLL_MS = 2500

/** The session's assessments, newest work appearing without a reload. */
export function AssessmentsPage(props: { readonly sessionId: string }) {
  const { sessionId } = props
  const service = useService()
  const [data, setData] = useState<SessionAssessments | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)
  const titles = useScenarioTitles(sessionId, data?.assessments.length ?? 0)

  useEffect(() => {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      try {
        const next = await orWhenNoSession(
          service.getJson<SessionAssessments>(
            `/sessions/${encodeURIComponent(sessionId)}/assessments`,
            controller.signal
          ),
          () => ({ sessionId, assessments: [] })
        )
        setData(next)
        setError(null)
        const busy = next.assessments.some((item) => item.status === "pending" || item.status === "running")
        timer = setTimeout(() => void poll(), busy ? BUSY_POLL_MS : IDLE_POLL_MS)
      } catch (cause) {
        if (!controller.signal.aborted) setError(cause)
      }
    }
    void poll()
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [service, sessionId, attempt])

  const completed = data?.assessments.filter((assessment) => assessment.status === "completed").length ?? 0

  return (
    <section aria-labelledby="assessments-heading">
      <h1 id="assessments-heading">Assessments</h1>
      <p className="hint">
        Each practice interaction is assessed when it ends: a score from 1 to 5 per rubric criterion, with the
        reason, a summary and one thing to try next.
      </p>
      <MyProgress refresh={completed} />
      <h2 className="session-assessments-heading">This session</h2>
      {error === null ? null : <ErrorNotice error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {data === null && error === null ? (
        <SkeletonLines label="Loading this session's assessments…" lines={2} tall />
      ) : null}
      {data !== null && data.assessments.length === 0 ? (
        <p className="empty-state">
          No assessments yet. Start a role play in <Link to="/">Chat</Link>, and end it (“Let&apos;s stop the
          role play”) to get one.
        </p>
      ) : null}
      {data?.assessments.map((assessment) => (
        <AssessmentCard
          key={assessment.groupId}
          assessment={assessment}
          scenario={titles.get(assessment.groupId)}
        />
      ))}
    </section>
  )
}
