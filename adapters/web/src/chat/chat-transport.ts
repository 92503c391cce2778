import { DefaultChatTransport, type UIMessage } from "ai"
import type { ServiceClient } from "../api-client.ts"
import type { Message } from "../api-types.ts"

/** What the page reads of a reply's metadata: from its `start` part, or its status once stored. */
export interface ReplyMetadata {
  readonly contextMessages?: number
  /** Of a reply loaded from the store. */
  readonly status?: Message["status"]
  /** A reply loaded from the store that the user regenerated. */
  readonly replaced?: boolean
}

export type CoachMessage = UIMessage<ReplyMetadata>

export const textOf = (message: UIMessage): string =>
  message.parts.map((part) => (part.type === "text" ? part.text : "")).join("")

/**
 * Sends only the newest user message, as `{ prompt, messageId }` for the session: the service holds
 * the transcript and builds the context itself. A retry sends the same messageId, so the service
 * ingests the prompt once. A request's own body fields (`replaces`, to regenerate) travel with it.
 */
export const chatTransport = ({ fetchOk }: ServiceClient, sessionId: string) =>
  new DefaultChatTransport<CoachMessage>({
    api: "/chat/stream",
    fetch: fetchOk as typeof fetch,
    prepareSendMessagesRequest: ({ messages, body }) => {
      const prompt = messages.findLast((message) => message.role === "user")
      if (prompt === undefined) throw new Error("There is no message to send.")
      return {
        body: { ...body, prompt: textOf(prompt), messageId: prompt.id },
        headers: { "x-session-id": sessionId }
      }
    }
  })
