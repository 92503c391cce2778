import { expect } from "vitest"
import { parseSse, partTypes, textOf } from "./sse-client.ts"

/** A turn's stream, opened and read to its first text so that its reply is in flight. */
export interface OpenTurn {
  readonly messageId: string
  /** The rest of the turn's events, read to the end: the text it streamed in all. */
  readonly rest: Promise<string>
}

/** Posts a prompt to `url`'s chat stream and reads it until the first text has arrived. */
export const openTurn = async (url: string, sessionId: string, prompt: string): Promise<OpenTurn> => {
  const response = await fetch(`${url}/chat/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sessionId, prompt })
  })
  expect(response.status).toBe(200)
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let seen = ""
  while (!/"type":"text-delta"/.test(seen)) {
    const { done, value } = await reader.read()
    expect(done, "the turn ended before its first text").toBe(false)
    seen += decoder.decode(value, { stream: true })
  }
  const messageId = /"type":"start","messageId":"([^"]+)"/.exec(seen)?.[1]
  expect(messageId).toBeDefined()
  const rest = (async () => {
    for (let read = await reader.read(); !read.done; read = await reader.read())
      seen += decoder.decode(read.value, { stream: true })
    return textOf(parseSse(seen))
  })()
  return { messageId: messageId!, rest }
}

/** `GET /chat/:sessionId/stream` on `url`, as the web app's resume request sends it. */
export const followReply = (
  url: string,
  sessionId: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal
) => fetch(`${url}/chat/${encodeURIComponent(sessionId)}/stream`, { headers, ...(signal ? { signal } : {}) })

/**
 * A follower's events: the reply's `start`, the text so far, more text as it came live, and the
 * producer's ending.
 */
export const expectFollowedToTheEnd = (events: ReadonlyArray<unknown>, messageId: string) => {
  expect(events[0]).toMatchObject({ type: "start", messageId })
  const types = partTypes(events)
  expect(types.slice(0, 3)).toEqual(["start", "text-start", "text-delta"])
  expect(types.slice(-3)).toEqual(["text-end", "finish", "[DONE]"])
  // More than the text so far: the rest came live.
  expect(types.filter((type) => type === "text-delta").length).toBeGreaterThan(1)
}
