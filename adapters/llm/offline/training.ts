import { Option } from "effect"
import { BoundaryDecision } from "../../../domain/boundary.ts"
import type { Scenario } from "../../../domain/classifier-evaluation.ts"
import { GroupId } from "../../../domain/ids.ts"
import { noInteraction, transition } from "../../../domain/interaction-group.ts"
import { features, type ModelWeights, softmax } from "./model.ts"

/** One labelled user message as the model learns from it. */
export interface Example {
  readonly text: string
  readonly interactionOpen: boolean
  readonly decision: BoundaryDecision
}

/** Fixed so a retrain on the same data gives the same weights, bit for bit. */
export const TRAINING = {
  /** A feature seen in fewer development examples than this is left out. */
  minCount: 2,
  epochs: 400,
  learningRate: 1,
  l2: 0.0005,
  /** Decimal places kept in the shipped weights. */
  precision: 4
} as const

/**
 * The labelled user messages of the development part, each with whether an interaction was open
 * before it: the state machine replayed over the expected decisions.
 */
export const trainingExamples = (scenarios: ReadonlyArray<Scenario>): ReadonlyArray<Example> =>
  scenarios
    .filter((scenario) => scenario.split === "dev")
    .flatMap((scenario) => {
      let state = noInteraction
      return scenario.messages.flatMap((message, m) => {
        if (message.expect === undefined) return []
        const example = {
          text: message.text,
          interactionOpen: Option.isSome(state.open),
          decision: message.expect
        }
        state = transition(state, {
          classification: { decision: message.expect, confidence: 1 },
          at: m,
          newGroupId: GroupId.make(`replay-${m}`),
          minConfidence: 0
        }).state
        return [example]
      })
    })

/** Full-batch gradient descent from zero on the cross-entropy with an L2 penalty: deterministic. */
export const train = (examples: ReadonlyArray<Example>): ModelWeights => {
  const classes = BoundaryDecision.literals
  const encoded = examples.map((example) => ({
    features: features(example.text, example.interactionOpen),
    target: classes.indexOf(example.decision)
  }))
  const counts = new Map<string, number>()
  for (const { features: found } of encoded) for (const f of found) counts.set(f, (counts.get(f) ?? 0) + 1)
  const vocabulary = [...counts.keys()].filter((f) => counts.get(f)! >= TRAINING.minCount).sort()
  const index = new Map(vocabulary.map((f, i) => [f, i]))
  const rows = encoded.map(({ features: found, target }) => ({
    columns: found.flatMap((f) => (index.has(f) ? [index.get(f)!] : [])),
    target
  }))
  const k = classes.length
  const weights = vocabulary.map(() => new Array<number>(k).fill(0))
  const bias = new Array<number>(k).fill(0)
  for (let epoch = 0; epoch < TRAINING.epochs; epoch++) {
    const gradient = vocabulary.map(() => new Array<number>(k).fill(0))
    const biasGradient = new Array<number>(k).fill(0)
    for (const { columns, target } of rows) {
      const scores = [...bias]
      for (const column of columns) for (let c = 0; c < k; c++) scores[c]! += weights[column]![c]!
      const p = softmax(scores)
      for (let c = 0; c < k; c++) {
        const error = p[c]! - (c === target ? 1 : 0)
        biasGradient[c]! += error
        for (const column of columns) gradient[column]![c]! += error
      }
    }
    const step = TRAINING.learningRate / rows.length
    for (let c = 0; c < k; c++) bias[c]! -= step * biasGradient[c]!
    for (const [f, row] of weights.entries())
      for (let c = 0; c < k; c++)
        row[c]! -= step * gradient[f]![c]! + TRAINING.learningRate * TRAINING.l2 * row[c]!
  }
  // `+ 0` turns a rounded -0 into 0, so the file reads the same however a weight rounded.
  const round = (value: number) => Number(value.toFixed(TRAINING.precision)) + 0
  return {
    classes,
    bias: bias.map(round),
    weights: Object.fromEntries(
      vocabulary.flatMap((f, i) => {
        const row = weights[i]!.map(round)
        return row.every((weight) => weight === 0) ? [] : [[f, row]]
      })
    )
  }
}
