import { Schema } from "effect"

/**
 * What a user message does to the session's assessable interaction: opens one, carries it on,
 * closes it, is a single self-contained request to assess (`one_off`), or is chatter (`ignore`).
 */
export const BoundaryDecision = Schema.Literal("start", "continue", "end", "one_off", "ignore")
export type BoundaryDecision = typeof BoundaryDecision.Type

/** A classifier's answer: a decision and how sure it is, in 0..1. */
export const Classification = Schema.Struct({
  decision: BoundaryDecision,
  confidence: Schema.Number.pipe(Schema.between(0, 1))
})
export type Classification = typeof Classification.Type

/** The answer used when a classifier fails or answers malformed: chatter, never an assessment. */
export const FALLBACK_CLASSIFICATION: Classification = { decision: "ignore", confidence: 0 }
