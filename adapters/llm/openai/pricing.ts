import { Option } from "effect"
import type { TokenUsage } from "../../../application/ports/chat-model.ts"

/** US dollars per million tokens, for the models whose list price we know. */
const PRICES: Record<string, { readonly input: number; readonly output: number }> = {
  "gpt-4o-mini": { input: 0.15, output: 0.6 },
  "gpt-4o": { input: 2.5, output: 10 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4 },
  "gpt-4.1": { input: 2, output: 8 }
}

/** The list-price cost of a turn; none for models not in the table (self-hosted, other vendors). */
export const estimateCostUsd = (model: string) => (usage: TokenUsage) =>
  Option.map(
    Option.fromNullable(PRICES[model]),
    (price) => (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6
  )
