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
export const composePrompt = (systemPrompt: string, messages: ReadonlyArray<PromptMessage>): string => {
  const lines = messages.map((message) => `${message.role}: ${message.text.replace(/\s*\n\s*/g, " ").trim()}`)
  return [systemPrompt.trim(), "", ...lines, "assistant:"].join("\n")
}
