import { useEffect, useState } from "react"
import { useService } from "../service-context.ts"
import { loadGroups, loadTranscript } from "../transcript.ts"
import { scenarioTitles } from "./scenario-titles.ts"

/**
 * The session's role plays titled by their scenario, read again when `assessed` (how many assessments
 * the page shows) changes. Titles only name the cards: a failed read leaves them untitled.
 */
export const useScenarioTitles = (sessionId: string, assessed: number): ReadonlyMap<string, string> => {
  const service = useService()
  const [titles, setTitles] = useState<ReadonlyMap<string, string>>(new Map())
  useEffect(() => {
    if (assessed === 0) return
    const controller = new AbortController()
    Promise.all([
      loadTranscript(service, sessionId, controller.signal),
      loadGroups(service, sessionId, controller.signal)
    ])
      .then(([messages, groups]) => setTitles(scenarioTitles(messages, groups)))
      .catch(() => undefined)
    return () => controller.abort()
  }, [service, sessionId, assessed])
  return titles
}
