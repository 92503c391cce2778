import { Either, Schema } from "effect"
import { GroupId, type MessageId, SessionId } from "./ids.ts"
import type { TranscriptItem } from "./transcript.ts"

/** One thing a rubric scores. */
export interface RubricCriterion {
  readonly id: string
  readonly label: string
  /** What a 5 looks like, for the assessor. */
  readonly description: string
}

/** A versioned rubric: results name the version they were scored against. */
export interface Rubric {
  readonly version: string
  readonly criteria: readonly [RubricCriterion, ...Array<RubricCriterion>]
}

/** The default communication-coaching rubric. Change it by adding a new version, never in place. */
export const COMMUNICATION_RUBRIC_V1: Rubric = {
  version: "communication-v1",
  criteria: [
    {
      id: "clarity",
      label: "Clarity",
      description: "Says what they mean in plain, specific words; the listener never has to guess."
    },
    {
      id: "structure",
      label: "Structure",
      description: "Orders the message: the point first, then reasons or steps, then a clear ask."
    },
    {
      id: "empathy",
      label: "Empathy",
      description: "Acknowledges the other person's view and feelings before pushing their own."
    },
    {
      id: "assertiveness",
      label: "Assertiveness",
      description: "States needs and boundaries directly and calmly, without hedging or aggression."
    }
  ]
}

export const Score = Schema.Int.pipe(Schema.between(1, 5))

export const CriterionScore = Schema.Struct({
  criterion: Schema.String,
  score: Score,
  justification: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(600))
})
export type CriterionScore = typeof CriterionScore.Type

/** What an assessor answers: a score per criterion, a summary and one concrete next step. */
export const AssessmentDraft = Schema.Struct({
  scores: Schema.Array(CriterionScore),
  summary: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1200)),
  nextStep: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(600))
})
export type AssessmentDraft = typeof AssessmentDraft.Type

/** A stored result: the draft, checked against its rubric, with who produced it and how fast. */
export const AssessmentResult = Schema.Struct({
  rubricVersion: Schema.String,
  /** The model, or `offline-heuristic`. */
  assessor: Schema.String,
  /** True when no language model scored it (the offline assessor). */
  heuristic: Schema.Boolean,
  latencyMs: Schema.Number,
  scores: Schema.Array(
    Schema.Struct({
      criterion: Schema.String,
      label: Schema.String,
      score: Score,
      justification: Schema.String
    })
  ),
  summary: Schema.String,
  nextStep: Schema.String
})
export type AssessmentResult = typeof AssessmentResult.Type

export const AssessmentStatus = Schema.Literal("pending", "running", "completed", "failed")
export type AssessmentStatus = typeof AssessmentStatus.Type

/**
 * Where a completed result lives: the store, or this process's memory for a session whose text
 * may not be kept (the job row then holds no result).
 */
export const ResultLocation = Schema.Literal("store", "memory")
export type ResultLocation = typeof ResultLocation.Type

/** One group's assessment job. Rows hold ids, times and results only: never message text. */
export const AssessmentJob = Schema.Struct({
  groupId: GroupId,
  sessionId: SessionId,
  status: AssessmentStatus,
  /** Attempts started so far; the current one's number while running. */
  attempts: Schema.Number,
  queuedAt: Schema.Number,
  updatedAt: Schema.Number,
  /** The request whose message closed the group, for logs and traces. */
  requestId: Schema.optionalWith(Schema.String, { as: "Option", exact: true }),
  failureReason: Schema.optionalWith(Schema.String, { as: "Option", exact: true }),
  resultLocation: Schema.optionalWith(ResultLocation, { as: "Option", exact: true }),
  result: Schema.optionalWith(AssessmentResult, { as: "Option", exact: true })
})
export type AssessmentJob = typeof AssessmentJob.Type

/**
 * Checks a draft against its rubric: every criterion scored exactly once, nothing else. Returns the
 * scores in rubric order with their labels, or what is wrong.
 */
export const checkDraft = (
  rubric: Rubric,
  draft: AssessmentDraft
): Either.Either<AssessmentResult["scores"], string> => {
  const ids = rubric.criteria.map((criterion) => criterion.id)
  // Counts, not the names the model chose: this reason is stored and logged.
  const unknown = draft.scores.filter((score) => !ids.includes(score.criterion))
  if (unknown.length > 0) return Either.left(`${unknown.length} scores name no criterion of the rubric`)
  const scores = []
  for (const criterion of rubric.criteria) {
    const matching = draft.scores.filter((score) => score.criterion === criterion.id)
    if (matching.length !== 1)
      return Either.left(`criterion ${criterion.id} scored ${matching.length} times, expected once`)
    scores.push({ ...matching[0]!, label: criterion.label })
  }
  return Either.right(scores)
}

/**
 * The part of a session's transcript (in transcript order) that a group covers: from the group's
 * first user message up to, not including, the first user message after its last one — so the
 * coach's replies inside and right after the group belong to it, and so does chatter in between.
 * Empty when the items hold none of the group's messages.
 */
export const groupTranscript = (
  items: ReadonlyArray<TranscriptItem>,
  groupMessages: ReadonlyArray<MessageId>
): ReadonlyArray<TranscriptItem> => {
  const members = new Set<string>(groupMessages)
  const first = items.findIndex((item) => members.has(item.messageId))
  if (first === -1) return []
  let last = first
  items.forEach((item, index) => {
    if (members.has(item.messageId)) last = index
  })
  const next = items.findIndex((item, index) => index > last && item.role === "user")
  return items.slice(first, next === -1 ? items.length : next)
}

/**
 * Whether a job may run again after its `attempt` (counted from 1) ended without a result: not
 * once it reached `maxAttempts`, when it is failed for good.
 */
export const hasAttemptsLeft = (attempt: number, maxAttempts: number) => attempt < maxAttempts

/**
 * When a failed attempt may run again: exponential from `baseMillis`, capped at `capMillis`; none
 * once the job has no attempts left (`hasAttemptsLeft`).
 */
export const retryAt = (
  attempt: number,
  now: number,
  policy: { readonly baseMillis: number; readonly capMillis: number; readonly maxAttempts: number }
): number | undefined =>
  hasAttemptsLeft(attempt, policy.maxAttempts)
    ? now + Math.min(policy.capMillis, policy.baseMillis * 2 ** Math.max(0, attempt - 1))
    : undefined
