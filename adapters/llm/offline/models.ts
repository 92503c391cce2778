import { Layer } from "effect"
import * as Assessor from "./assessor.ts"
import * as BoundaryClassifier from "./boundary-classifier.ts"
import * as ChatModel from "./chat-model.ts"

/** The three model ports with no key and no network: rule-written replies, a trained linear classifier, heuristics. */
export const layerConfig = Layer.mergeAll(ChatModel.layerConfig, BoundaryClassifier.layer, Assessor.layer)
