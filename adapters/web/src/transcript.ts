import type { ContextWindow, GroupsResponse, InteractionGroup, Message, MessagesPage } from "./api-types.ts"
import { orWhenNoSession, type ServiceClient } from "./api-client.ts"

const PAGE_SIZE = 200

/** The session's whole stored transcript, in (ts, seq) order, page after page. */
export const loadTranscript = async (
  { getJson }: ServiceClient,
  sessionId: string,
  signal?: AbortSignal
): Promise<Array<Message>> => {
  const items: Array<Message> = []
  let cursor: string | null = null
  do {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) })
    if (cursor !== null) query.set("cursor", cursor)
    const page: MessagesPage = await orWhenNoSession(
      getJson<MessagesPage>(`/sessions/${encodeURIComponent(sessionId)}/messages?${query}`, signal),
      () => ({ sessionId, order: "asc", items: [], nextCursor: null })
    )
    items.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  return items
}

export const loadGroups = async (
  { getJson }: ServiceClient,
  sessionId: string,
  signal?: AbortSignal
): Promise<ReadonlyArray<InteractionGroup>> =>
  (
    await orWhenNoSession(
      getJson<GroupsResponse>(`/sessions/${encodeURIComponent(sessionId)}/groups`, signal),
      () => ({ sessionId, groups: [] })
    )
  ).groups

/**
 * What the chat shows on return: the stored transcript, or, for a session whose transcript is not
 * kept, the recent messages the service still holds in memory (its chat context window).
 */
export const loadConversation = async (
  service: ServiceClient,
  sessionId: string
): Promise<{ readonly messages: ReadonlyArray<Message>; readonly fromMemory: boolean }> => {
  const stored = await loadTranscript(service, sessionId)
  if (stored.length > 0) return { messages: stored, fromMemory: false }
  const empty = { messages: [], fromMemory: false }
  const context = await orWhenNoSession(
    service.getJson<ContextWindow>(`/sessions/${encodeURIComponent(sessionId)}/context?for=chat`),
    () => null
  )
  return context !== null && context.source === "memory" && context.messages.length > 0
    ? { messages: context.messages, fromMemory: true }
    : empty
}
