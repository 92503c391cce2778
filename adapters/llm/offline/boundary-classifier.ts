import { Effect, Layer, Schema } from "effect"
import { BoundaryClassifier } from "../../../application/ports/boundary-classifier.ts"
import { classifyWithModel, ModelWeights } from "./model.ts"
import weights from "./model-weights.json" with { type: "json" }

/** Where `npm run train:classifier` writes the weights this adapter ships with. */
export const MODEL_WEIGHTS_FILE = "adapters/llm/offline/model-weights.json"

/**
 * The offline classifier: a small linear model over the latest message's words and whether an
 * interaction is open, no network. It is the baseline the LLM classifier is measured against
 * (`npm run eval`); its confidence is the model's probability for the decision.
 */
export const make = (model: ModelWeights) =>
  BoundaryClassifier.of({
    name: "offline-model",
    canWait: false,
    classify: (request) =>
      Effect.sync(() => {
        const latest = request.messages.at(-1)
        return latest === undefined
          ? { decision: "ignore" as const, confidence: 0.5 }
          : classifyWithModel(model, latest.text, request.interactionOpen)
      })
  })

/** Malformed shipped weights are a defect: the build put them there. */
export const layer = Layer.effect(
  BoundaryClassifier,
  Schema.decodeUnknown(ModelWeights)(weights).pipe(Effect.orDie, Effect.map(make))
)
