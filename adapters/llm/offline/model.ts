import { Schema } from "effect"
import { BoundaryDecision, type Classification } from "../../../domain/boundary.ts"

/**
 * The offline classifier's model: a multinomial logistic regression over binary features of the
 * latest user message (words, word pairs, its first word, a few shape cues) and whether an
 * interaction is open. Its weights are data (`model-weights.json`), trained by `npm run
 * train:classifier` from the development part of the labelled conversations only.
 */
export const ModelWeights = Schema.Struct({
  classes: Schema.Array(BoundaryDecision),
  bias: Schema.Array(Schema.Number),
  /** Feature name to one weight per class, in the order of `classes`. */
  weights: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.Number) })
})
export type ModelWeights = typeof ModelWeights.Type

const normalise = (text: string) =>
  text
    .toLowerCase()
    .replace(/[\u2018\u2019`]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, " ")
    .trim()

/** A double-quoted span, or a single-quoted one that opens after a space (not an apostrophe). */
const QUOTED = /"[^"]{8,}"|(?<=^|[\s:])'[^']{8,}'(?=[\s.,!?]|$)/g

const lengthBucket = (words: number) => (words <= 3 ? "short" : words <= 10 ? "medium" : "long")

/** The binary features of one message: what the model sees. */
export const features = (text: string, interactionOpen: boolean): ReadonlyArray<string> => {
  const normalised = normalise(text)
  // What the user quotes (a draft to judge) is set apart: its words are not the user's request.
  const unquoted = normalised.replace(QUOTED, " ")
  const words = unquoted.replace(/'/g, "").match(/[a-z0-9]+/g) ?? []
  const state = interactionOpen ? "open" : "closed"
  const found = new Set<string>([`state:${state}`, `length:${lengthBucket(words.length)}`])
  if (unquoted !== normalised) found.add("shape:quoted").add(`shape:quoted ${state}`)
  if (normalised.endsWith("?")) found.add("shape:question").add(`shape:question ${state}`)
  if (words[0] !== undefined) found.add(`first:${words[0]}`)
  for (const [i, word] of words.entries()) {
    found.add(`word:${word}`)
    const next = words[i + 1]
    if (next !== undefined) found.add(`pair:${word} ${next}`)
  }
  return [...found]
}

/** Scores to probabilities that add up to 1 (shifted by the top score, so no overflow). */
export const softmax = (scores: ReadonlyArray<number>) => {
  const top = Math.max(...scores)
  const exponentials = scores.map((score) => Math.exp(score - top))
  const total = exponentials.reduce((sum, value) => sum + value, 0)
  return exponentials.map((value) => value / total)
}

/** Each class's probability for a message's features (a softmax over the linear scores). */
export const probabilities = (model: ModelWeights, messageFeatures: ReadonlyArray<string>) => {
  const scores = [...model.bias]
  for (const feature of messageFeatures) {
    const row = model.weights[feature]
    if (row !== undefined) for (const [c, weight] of row.entries()) scores[c]! += weight
  }
  return softmax(scores)
}

/**
 * The model's decision, with the state logic no text carries: `continue` and `end` mean something
 * only inside an open interaction, so with none open the message is chatter.
 */
export const classifyWithModel = (
  model: ModelWeights,
  text: string,
  interactionOpen: boolean
): Classification => {
  const p = probabilities(model, features(text, interactionOpen))
  const best = p.indexOf(Math.max(...p))
  const decision = model.classes[best]!
  const confidence = Number(p[best]!.toFixed(3))
  if (!interactionOpen && (decision === "continue" || decision === "end")) {
    const ignore = p[model.classes.indexOf("ignore")]!
    return { decision: "ignore", confidence: Number((ignore + p[best]!).toFixed(3)) }
  }
  return { decision, confidence }
}
