import type { Role } from "./transcript.ts"

export interface PromptMessage {
  readonly role: Role
  readonly text: string
}

/**
 * The whole context as one prompt, for models that take a single string: the system prompt, then
 * one `role: text` line per message in window order, ending with the latest user input and an open
 * `assistant:` line for the model to continue. Newlines inside a message are folded so that each
 * message stays one line and cannot forge another speaker's turn.
 */
export const composePrompt = (systemPrompt: string, messages: ReadonlyArray<PromptMessage>): string =>
  [systemPrompt.trim(), "", ...(messages.length === 0 ? [] : [transcriptLines(messages)]), "assistant:"].join(
    "\n"
  )

/** The window as `role: text` lines, one per message, newlines inside a message folded. */
export const transcriptLines = (messages: ReadonlyArray<PromptMessage>): string =>
  messages.map((message) => `${message.role}: ${message.text.replace(/\s*\n\s*/g, " ").trim()}`).join("\n")
