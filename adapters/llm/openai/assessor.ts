import { Layer } from "effect"
import { Assessor } from "../../../application/ports/assessor.ts"
import { AssessmentDraft } from "../../../domain/assessment.ts"
import { transcriptLines } from "../../../domain/prompt-composition.ts"
import { client, type OpenAiClientOptions } from "./client.ts"
import { structuredOutput } from "./structured-output.ts"

export interface OpenAiAssessorOptions extends OpenAiClientOptions {
  readonly model: string
}

/**
 * The assessor on an OpenAI-compatible endpoint (`ASSESSMENT_MODEL`): the rubric and the
 * interaction's transcript go in, the scores come back as structured output validated against the
 * `AssessmentDraft` Schema; the use case then checks them against the rubric.
 */
export const make = (options: OpenAiAssessorOptions) => {
  const assess = structuredOutput(client(options), "interaction_assessment", AssessmentDraft)
  return Assessor.of({
    name: `openai:${options.model}`,
    heuristic: false,
    assess: (request) =>
      assess({
        model: options.model,
        system: request.systemPrompt,
        user: [
          `Rubric ${request.rubric.version}; score each criterion from 1 to 5 with a short justification:`,
          ...request.rubric.criteria.map(
            (criterion) => `- ${criterion.id} (${criterion.label}): ${criterion.description}`
          ),
          "",
          "The interaction, oldest first:",
          transcriptLines(request.transcript),
          "",
          "Answer with a score for every criterion (use the ids above), a summary of two or three sentences, and one concrete next step."
        ].join("\n"),
        providerMayStore: request.providerMayStore,
        requestId: request.requestId
      })
  })
}

export const layer = (options: OpenAiAssessorOptions) => Layer.sync(Assessor, () => make(options))
