import { Effect, Layer } from "effect"
import { Assessor, type AssessmentRequest } from "../../../application/ports/assessor.ts"
import type { AssessmentDraft, CriterionScore } from "../../../domain/assessment.ts"

/**
 * The offline assessor: counts plain features of the user's turns, no model. Every justification
 * says what it counted and the summary says it is heuristic, so nobody mistakes it for a coach's
 * judgement; it exists so that the whole path (queue, worker, API, web app) runs with no key.
 */
const MEASURES: Record<string, (turns: ReadonlyArray<string>) => Omit<CriterionScore, "criterion">> = {
  clarity: (turns) => {
    const words = average(turns.map((turn) => turn.split(/\s+/).filter(Boolean).length))
    const score = words < 4 ? 2 : words <= 30 ? (words >= 8 ? 5 : 4) : words <= 50 ? 3 : 2
    return {
      score,
      justification: `Heuristic: your messages average ${words.toFixed(0)} words (8 to 30 reads as clear and specific).`
    }
  },
  structure: (turns) =>
    count(
      turns,
      /\b(first|then|because|so that|finally|my point|the reason|could you|can we|i need|\?)/i,
      "state a reason, a sequence or a clear ask"
    ),
  empathy: (turns) =>
    count(
      turns,
      /\b(i understand|i hear you|i see (why|that)|that sounds|i appreciate|thank(s| you)|you('re| are) right|i get (it|that)|from your side|how do you feel)\b/i,
      "acknowledge the other person"
    ),
  assertiveness: (turns) => {
    const direct = turns.filter((turn) =>
      /\b(i need|i want|i will|i'?d like|i won'?t|i can'?t|i expect|i'?m asking)\b/i.test(turn)
    ).length
    const hedged = turns.filter((turn) =>
      /\b(maybe|just|sort of|kind of|i guess|sorry|if that'?s ok|perhaps)\b/i.test(turn)
    ).length
    const score = clamp(3 + direct - hedged)
    return {
      score,
      justification: `Heuristic: ${direct} of ${turns.length} messages state a need directly; ${hedged} hedge ("maybe", "just", "sorry").`
    }
  }
}

const NEXT_STEPS: Record<string, string> = {
  clarity: "Next time, say your main point in one sentence of under 20 words before adding detail.",
  structure: "Next time, open with your point, give one reason, and end with a specific ask.",
  empathy: "Next time, name what the other person feels or wants before you state your own view.",
  assertiveness: 'Next time, replace one hedge ("maybe", "just") with a direct "I need ..." sentence.'
}

const average = (values: ReadonlyArray<number>) =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length

const clamp = (score: number) => Math.max(1, Math.min(5, Math.round(score)))

/** Scores by the share of turns matching `pattern`: none 1, all 5. */
const count = (turns: ReadonlyArray<string>, pattern: RegExp, what: string) => {
  const matching = turns.filter((turn) => pattern.test(turn)).length
  return {
    score: clamp(1 + (4 * matching) / Math.max(1, turns.length)),
    justification: `Heuristic: ${matching} of ${turns.length} messages ${what}.`
  }
}

export const assessByHeuristics = (request: AssessmentRequest): AssessmentDraft => {
  const turns = request.transcript.filter((message) => message.role === "user").map((message) => message.text)
  const scores = request.rubric.criteria.map((criterion) => ({
    criterion: criterion.id,
    ...(MEASURES[criterion.id]?.(turns) ?? {
      score: 3,
      justification: `Heuristic: the offline assessor has no measure for ${criterion.label}; 3 is a placeholder.`
    })
  }))
  const ranked = [...scores].sort((a, b) => a.score - b.score)
  const weakest = ranked[0]!
  const strongest = ranked.at(-1)!
  const label = (id: string) => request.rubric.criteria.find((criterion) => criterion.id === id)?.label ?? id
  return {
    scores,
    summary:
      `Heuristic assessment (offline, no language model) of ${turns.length} user message${turns.length === 1 ? "" : "s"}: ` +
      `strongest on ${label(strongest.criterion)} (${strongest.score}/5), weakest on ${label(weakest.criterion)} (${weakest.score}/5).`,
    nextStep:
      NEXT_STEPS[weakest.criterion] ??
      `Next time, work on ${label(weakest.criterion)}: ${request.rubric.criteria.find((c) => c.id === weakest.criterion)?.description ?? ""}`
  }
}

export const layer = Layer.succeed(
  Assessor,
  Assessor.of({
    name: "offline-heuristic",
    heuristic: true,
    assess: (request) => Effect.sync(() => assessByHeuristics(request))
  })
)
