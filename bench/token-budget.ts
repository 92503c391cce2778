/**
 * The token budget's cost per window: fitting the last 200 messages of a session to
 * CHAT_CONTEXT_MAX_TOKENS with the real tokenizer, each message counted afresh (its first window) and
 * with the counts remembered by content hash (every later window), next to the raw indexed SQLite
 * read of the same 200 messages that precedes it on every turn.
 */
import { DatabaseSync } from "node:sqlite"
import { Effect } from "effect"
import * as Tokenizer from "../adapters/llm/tokenizer.ts"
import { Tokenizers } from "../application/ports/tokenizer.ts"
import { fitToBudget, type TokenMeasure } from "../domain/context-window.ts"
import { type LatencySummary, timeEach } from "./stats.ts"

export interface TokenBudgetOptions {
  readonly messages: number
  readonly maxTokens: number
  readonly iterations: number
  readonly warmup: number
}

export interface TokenBudgetResult {
  readonly messages: number
  readonly maxTokens: number
  /** Messages and tokens of the fitted window. */
  readonly kept: number
  readonly tokens: number
  readonly counted: LatencySummary
  readonly remembered: LatencySummary
  readonly rawRead: LatencySummary
}

const PHRASES = [
  "Can you play my manager? I want to ask for a raise on Friday.",
  "Sure. I'm your manager: you wanted to talk about your salary?",
  "Yes. Over the last year I shipped three projects ahead of schedule, and I'd like my pay to reflect that.",
  "That's a fair point, but the budget is tight this quarter. What number did you have in mind?",
  "I was thinking of a 10% increase, in line with what the market pays for this role.",
  "Let me think about it. Can you send me a summary of the projects and their impact?"
]

/** A message of one to eight phrases: replies and prompts of realistic, varied length. */
const textOf = (index: number) =>
  Array.from({ length: 1 + (index % 8) }, (_, k) => PHRASES[(index + k) % PHRASES.length]).join(" ")

export const benchTokenBudget = async (options: TokenBudgetOptions): Promise<TokenBudgetResult> => {
  const { chat: tokenizer } = await Effect.runPromise(
    Effect.scoped(
      Effect.provide(Tokenizers, Tokenizer.layer({ chat: "gpt-4o-mini", classifier: "gpt-4o-mini" }))
    )
  )
  const messages = Array.from({ length: options.messages }, (_, index) => ({
    text: `${index}: ${textOf(index)}`,
    contentHash: `hash-${index}`
  }))
  const systemPromptTokens = tokenizer.count(PHRASES.join(" "))
  const counting: TokenMeasure = {
    count: (message) => tokenizer.count(message.text),
    truncate: tokenizer.truncate
  }
  const remembering: TokenMeasure = {
    count: (message) => tokenizer.count(message.text, message.contentHash),
    truncate: tokenizer.truncate
  }
  const fit = (measure: TokenMeasure) => fitToBudget(messages, systemPromptTokens, options.maxTokens, measure)

  const db = new DatabaseSync(":memory:")
  try {
    db.exec(
      "CREATE TABLE messages (session_id TEXT, seq INTEGER, ts INTEGER, role TEXT, text TEXT, content_hash TEXT)"
    )
    db.exec("CREATE INDEX messages_by_session ON messages (session_id, ts, seq)")
    const insert = db.prepare("INSERT INTO messages VALUES ('s', ?, ?, ?, ?, ?)")
    messages.forEach((message, seq) =>
      insert.run(seq, 1_000 * seq, seq % 2 ? "assistant" : "user", message.text, message.contentHash)
    )
    const lastN = db.prepare(
      "SELECT * FROM messages WHERE session_id = 's' ORDER BY ts DESC, seq DESC LIMIT ?"
    )
    const window = fit(remembering)
    return {
      messages: options.messages,
      maxTokens: options.maxTokens,
      kept: window.messages.length,
      tokens: window.tokens,
      counted: timeEach({
        warmup: options.warmup,
        iterations: options.iterations,
        call: () => fit(counting)
      }),
      remembered: timeEach({
        warmup: options.warmup,
        iterations: options.iterations,
        call: () => fit(remembering)
      }),
      rawRead: timeEach({
        warmup: options.warmup,
        iterations: options.iterations,
        call: () => lastN.all(options.messages)
      })
    }
  } finally {
    db.close()
  }
}
