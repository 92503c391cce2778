import { writeFileSync } from "node:fs"
import { MODEL_WEIGHTS_FILE } from "../adapters/llm/offline/boundary-classifier.ts"
import { train, trainingExamples } from "../adapters/llm/offline/training.ts"
import { loadScenarios } from "../bootstrap/eval.ts"

/**
 * `npm run train:classifier`: trains the offline classifier's model on the development part of
 * the labelled conversations (never the held-out part) and writes the weights it ships with.
 */
const examples = trainingExamples(loadScenarios())
writeFileSync(MODEL_WEIGHTS_FILE, `${JSON.stringify(train(examples))}\n`)
console.log(`trained on ${examples.length} development messages: ${MODEL_WEIGHTS_FILE}`)
