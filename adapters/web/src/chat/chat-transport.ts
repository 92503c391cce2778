import { DefaultChatTransport, type UIMessage } from "ai"
import { orWhenNoSession, type ServiceClient } from "../api-client.ts"
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
 * A session nobody has written to yet answers 404, as another user's would: it has no reply in
 * flight, which the AI SDK reads from a 204.
 */
const orNoReplyInFlight =
  (fetchOk: ServiceClient["fetchOk"]) =>
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response> =>
    init?.method === "GET"
      ? orWhenNoSession(fetchOk(input, init), () => new Response(null, { status: 204 }))
      : fetchOk(input, init)

/**
 * Sends only the newest user message, as `{ prompt, messageId }` for the session: the service holds
 * the transcript and builds the context itself. A retry sends the same messageId, so the service
 * ingests the prompt once. A request's own body fields (`replaces`, to regenerate) travel with it.
 * Resuming (a reload, a second tab) follows the session's reply in flight, whichever service process
 * streams it.
 */
export const chatTransport = ({ fetchOk }: ServiceClient, sessionId: string) =>
  new DefaultChatTransport<CoachMessage>({
    api: "/chat/stream",
    fetch: orNoReplyInFlight(fetchOk) as typeof fetch,
    prepareReconnectToStreamRequest: () => ({ api: `/chat/${encodeURIComponent(sessionId)}/stream` }),
    prepareSendMessagesRequest: ({ messages, body }) => {
      const prompt = messages.findLast((message) => message.role === "user")
      if (prompt === undefined) throw new Error("There is no message to send.")
      return {
        body: { ...body, prompt: textOf(prompt), messageId: prompt.id },
        headers: { "x-session-id": sessionId }
      }
    }
  })

/**
 * Stops the session's reply on the service: a reply whose client only goes away runs on, so that a
 * reload can follow it. A stop that does not arrive leaves the reply to finish, stored whole.
 */
export const stopReplyOnService = ({ sendJson }: ServiceClient, sessionId: string): Promise<unknown> =>
  sendJson("DELETE", `/chat/${encodeURIComponent(sessionId)}/stream`).catch(() => undefined)
