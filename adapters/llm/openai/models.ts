import { Layer } from "effect"
import * as Assessor from "./assessor.ts"
import * as BoundaryClassifier from "./boundary-classifier.ts"
import * as ChatModel from "./chat-model.ts"
import { OpenAiClient } from "./client.ts"

/**
 * The three model ports on an OpenAI-compatible endpoint: `CHAT_MODEL`, `CLASSIFIER_MODEL` and
 * `ASSESSMENT_MODEL` over one client.
 */
export const layerConfig = Layer.mergeAll(
  ChatModel.layerConfig,
  BoundaryClassifier.layerConfig,
  Assessor.layerConfig
).pipe(Layer.provide(OpenAiClient.layerConfig))
