import { useEffect, useState } from "react"
import type { UserAssessments } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { useService } from "../service-context.ts"
import { ProgressChart } from "./progress-chart.tsx"
import { SkeletonLines } from "../skeleton.tsx"

/**
 * My scores across all my sessions, read again whenever `refresh` changes (the page bumps it when an
 * assessment of the session in view completes).
 */
export function MyProgress(props: { readonly refresh: number }) {
  const service = useService()
  const [data, setData] = useState<UserAssessments | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    setError(null)
    service
      .getJson<UserAssessments>("/me/assessments", controller.signal)
      .then(setData)
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(cause)
      })
    return () => controller.abort()
  }, [service, props.refresh, attempt])

  return (
    <section className="my-progress" aria-labelledby="progress-heading">
      <h2 id="progress-heading">Progress over time</h2>
      <p className="hint">Each criterion across all your sessions, oldest on the left.</p>
      {error === null ? null : <ErrorNotice error={error} onRetry={() => setAttempt((n) => n + 1)} />}
      {data === null && error === null ? <SkeletonLines label="Loading your scores…" lines={3} tall /> : null}
      {data === null ? null : <ProgressChart assessments={data.assessments} />}
    </section>
  )
}
