import { performance } from "node:perf_hooks"
import { createParser } from "eventsource-parser"

/** An answer read from the wire, or `status: 0` when none came (refused, reset, timed out). */
export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: unknown
  readonly ms: number
}

const NO_HEADERS = new Headers()

/** A request with a JSON body (or none), its answer parsed as JSON where it is JSON. */
export const send = async (
  url: string,
  method: string,
  path: string,
  options: {
    readonly body?: unknown
    readonly headers?: Record<string, string>
    readonly timeoutMs?: number
  } = {}
): Promise<Answer> => {
  const started = performance.now()
  try {
    const response = await fetch(url + path, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...options.headers
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000)
    })
    const text = await response.text()
    const isJson = response.headers.get("content-type")?.startsWith("application/json") ?? false
    return {
      status: response.status,
      headers: response.headers,
      body: isJson ? JSON.parse(text) : text,
      ms: performance.now() - started
    }
  } catch {
    return { status: 0, headers: NO_HEADERS, body: undefined, ms: performance.now() - started }
  }
}

/** A stored message as `GET /sessions/:id/messages` lists it. */
export interface StoredMessage {
  readonly messageId: string
  readonly role: string
  readonly text: string
  readonly status?: string
}

/**
 * Every stored message of a session, page by page: none for a session never written (404), undefined
 * when a page is not answered 200.
 */
export const storedMessages = async (
  url: string,
  sessionId: string,
  headers: Record<string, string> = {}
): Promise<ReadonlyArray<StoredMessage> | undefined> => {
  const items: Array<StoredMessage> = []
  let cursor: string | null = null
  do {
    const query: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`
    const page = await send(
      url,
      "GET",
      `/sessions/${encodeURIComponent(sessionId)}/messages?limit=200${query}`,
      {
        headers
      }
    )
    if (page.status === 404 && cursor === null) return []
    if (page.status !== 200) return undefined
    const body = page.body as { items: ReadonlyArray<StoredMessage>; nextCursor: string | null }
    items.push(...body.items)
    cursor = body.nextCursor
  } while (cursor !== null)
  return items
}

/** A chat stream as a client saw it: when each piece of text arrived, and how it ended. */
export interface StreamRead {
  readonly status: number
  readonly headers: Headers
  /** Cumulative text received, with the time (performance.now) it was complete. */
  readonly text: ReadonlyArray<{ readonly at: number; readonly text: string }>
  /** `finish` or `error` when the service said the turn ended, `cut` when the connection ended first. */
  readonly ending: "finish" | "error" | "cut" | "refused"
  /** When the answer's headers arrived and when the stream ended (performance.now). */
  readonly openedAt: number
  readonly closedAt: number
}

/** `POST /chat/stream`, read to its end (or until `signal` aborts it). */
export const streamChat = async (
  url: string,
  body: Record<string, unknown>,
  options: {
    readonly headers?: Record<string, string>
    readonly signal?: AbortSignal
    /** Called with the cumulative text each time more arrives. */
    readonly onText?: (text: string) => void
  } = {}
): Promise<StreamRead> => {
  const text: Array<{ at: number; text: string }> = []
  let received = ""
  let ending: StreamRead["ending"] = "cut"
  let status = 0
  let headers = NO_HEADERS
  let openedAt = performance.now()
  try {
    const response = await fetch(`${url}/chat/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify(body),
      ...(options.signal === undefined ? {} : { signal: options.signal })
    })
    status = response.status
    headers = response.headers
    openedAt = performance.now()
    if (status !== 200) {
      await response.body?.cancel()
      return { status, headers, text, ending: "refused", openedAt, closedAt: performance.now() }
    }
    const parser = createParser({
      onEvent: (event) => {
        if (event.data === "[DONE]") return
        const part = JSON.parse(event.data) as { type: string; delta?: string }
        if (part.type === "text-delta") {
          received += part.delta ?? ""
          text.push({ at: performance.now(), text: received })
          options.onText?.(received)
        } else if (part.type === "finish" || part.type === "error") ending = part.type
      }
    })
    const decoder = new TextDecoder()
    for await (const chunk of response.body ?? []) parser.feed(decoder.decode(chunk, { stream: true }))
  } catch {
    // The connection ended early: `ending` stays `cut`.
  }
  return { status, headers, text, ending, openedAt, closedAt: performance.now() }
}
