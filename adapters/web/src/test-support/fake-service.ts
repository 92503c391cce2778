/** One answer of the fake service: a JSON body, an error, or a chat stream's parts. */
export type FakeAnswer =
  | { readonly json: unknown; readonly status?: number; readonly headers?: Record<string, string> }
  | { readonly stream: ReadonlyArray<Record<string, unknown>> }
  | { readonly unreachable: true }

export interface FakeRequest {
  readonly method: string
  readonly path: string
  readonly headers: Headers
  readonly body: unknown
}

/**
 * A `fetch` for component tests that answers the app's calls from a script, by path prefix, and
 * records what was sent. A path with several answers gives them in turn, then repeats the last.
 */
export const fakeService = (script: Record<string, ReadonlyArray<FakeAnswer>>) => {
  const requests: Array<FakeRequest> = []
  const served = new Map<string, number>()
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const path = String(input)
    const method = init.method ?? "GET"
    requests.push({
      method,
      path,
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : null
    })
    const key = Object.keys(script)
      .filter((prefix) => `${method} ${path}`.startsWith(prefix))
      .sort((a, b) => b.length - a.length)[0]
    if (key === undefined) throw new Error(`the fake service has no answer for ${method} ${path}`)
    const answers = script[key]!
    const index = served.get(key) ?? 0
    served.set(key, index + 1)
    const answer = answers[Math.min(index, answers.length - 1)]!
    if ("unreachable" in answer) throw new TypeError("Failed to fetch")
    if ("stream" in answer) {
      const frames = [...answer.stream.map((part) => `data: ${JSON.stringify(part)}\n\n`), "data: [DONE]\n\n"]
      return new Response(frames.join(""), {
        headers: { "content-type": "text/event-stream", "x-vercel-ai-ui-message-stream": "v1" }
      })
    }
    return new Response(JSON.stringify(answer.json), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json", ...answer.headers }
    })
  }
  return { fetch, requests }
}

/** The parts of a complete reply, as the service streams them. */
export const replyParts = (messageId: string, text: string, contextMessages = 1) => [
  { type: "start", messageId, messageMetadata: { contextMessages } },
  { type: "text-start", id: `text-${messageId}` },
  ...text.split(/(?<= )/).map((delta) => ({ type: "text-delta", id: `text-${messageId}`, delta })),
  { type: "text-end", id: `text-${messageId}` },
  { type: "finish", finishReason: "stop", messageMetadata: {} }
]
