import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

/** What the fake does with a request, chosen by the requested model's name. */
export type Behaviour =
  | "ok"
  | "error-mid-stream"
  | "slow-first-token"
  | "rate-limited-once"
  | "bad-request"
  | "cut-off"
  | "usage-without-choices"

export interface SeenRequest {
  readonly body: Record<string, unknown>
  readonly headers: IncomingMessage["headers"]
  /** The request's path, e.g. `/v1/chat/completions` or `/v1/completions`. */
  readonly path: string
  /** Resolves when the client closed the connection before the reply ended. */
  readonly aborted: Promise<void>
}

/** Which endpoint a request reached: Chat Completions, or the older Completions (one prompt string). */
type Endpoint = "chat" | "completions"

const chunk = (
  endpoint: Endpoint,
  id: string,
  delta: { readonly role?: string; readonly content?: string },
  finish: string | null = null
) =>
  `data: ${JSON.stringify({
    id,
    object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion",
    created: 1_700_000_000,
    model: "fake",
    choices: [
      endpoint === "chat"
        ? { index: 0, delta, finish_reason: finish }
        : { index: 0, text: delta.content ?? "", logprobs: null, finish_reason: finish }
    ]
  })}\n\n`

const usage = (endpoint: Endpoint, id: string) =>
  `data: ${JSON.stringify({
    id,
    object: endpoint === "chat" ? "chat.completion.chunk" : "text_completion",
    created: 1_700_000_000,
    model: "fake",
    choices: [],
    usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 }
  })}\n\n`

/** A usage chunk as some compatible servers send it: no `choices` at all. */
const usageWithoutChoices = (id: string) =>
  `data: ${JSON.stringify({
    id,
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "fake",
    usage: { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 }
  })}\n\n`

/**
 * An OpenAI-compatible server on 127.0.0.1 that streams `chat.completion.chunk` lines from
 * `/chat/completions` and `text_completion` lines from `/completions`, so the real `openai` SDK code
 * path runs against it.
 */
export const startFakeOpenAi = async () => {
  const seen: Array<SeenRequest> = []
  const rateLimited = new Set<string>()
  const server = createServer((request, response) => {
    let raw = ""
    request.on("data", (data: Buffer) => (raw += data.toString()))
    request.on("end", () => {
      let closed: () => void = () => undefined
      const aborted = new Promise<void>((resolve) => (closed = resolve))
      response.on("close", () => {
        if (!response.writableFinished) closed()
      })
      const body = JSON.parse(raw) as Record<string, unknown>
      const endpoint: Endpoint = request.url?.endsWith("/chat/completions") ? "chat" : "completions"
      seen.push({ body, headers: request.headers, aborted, path: request.url ?? "" })
      if (body["stream"] === true)
        respond(endpoint, String(body["model"]) as Behaviour, response, rateLimited)
      else answer(endpoint, String(body["model"]), response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** Non-streamed completions (the classifier), by model name: the content the model "says". */
const ANSWERS: Record<string, string> = {
  "classify-start": JSON.stringify({ decision: "start", confidence: 0.93 }),
  "classify-malformed": "I think this starts a role play.",
  "classify-out-of-range": JSON.stringify({ decision: "start", confidence: 3 }),
  "assess-ok": JSON.stringify({
    scores: [
      { criterion: "clarity", score: 4, justification: "States the ask in one sentence." },
      { criterion: "structure", score: 3, justification: "Reason comes after the ask." },
      { criterion: "empathy", score: 2, justification: "Does not acknowledge the budget." },
      { criterion: "assertiveness", score: 5, justification: "Says 'I need' without hedging." }
    ],
    summary: "A direct, clear request that skipped the other side's view.",
    nextStep: "Open by naming the budget pressure before you ask."
  }),
  "assess-score-out-of-range": JSON.stringify({
    scores: [{ criterion: "clarity", score: 9, justification: "Too good." }],
    summary: "x",
    nextStep: "y"
  })
}

const answer = (endpoint: Endpoint, model: string, response: ServerResponse) => {
  const content = ANSWERS[model] ?? ""
  response.writeHead(200, { "content-type": "application/json" })
  response.end(
    JSON.stringify({
      id: "chatcmpl-fake",
      object: endpoint === "chat" ? "chat.completion" : "text_completion",
      created: 1_700_000_000,
      model,
      choices: [
        endpoint === "chat"
          ? { index: 0, message: { role: "assistant", content }, finish_reason: "stop" }
          : // A completion model continues the prompt: here with a space and a trailing remark.
            { index: 0, text: ` ${content}\nThat is my answer.`, logprobs: null, finish_reason: "stop" }
      ]
    })
  )
}

const respond = (
  endpoint: Endpoint,
  behaviour: Behaviour,
  response: ServerResponse,
  rateLimited: Set<string>
) => {
  const id = "chatcmpl-fake"
  if (behaviour === "bad-request") {
    response.writeHead(400, { "content-type": "application/json" })
    response.end(JSON.stringify({ error: { message: "bad request", type: "invalid_request_error" } }))
    return
  }
  if (behaviour === "rate-limited-once" && !rateLimited.has(behaviour)) {
    rateLimited.add(behaviour)
    response.writeHead(429, { "content-type": "application/json", "retry-after-ms": "10" })
    response.end(JSON.stringify({ error: { message: "slow down", type: "rate_limit_error" } }))
    return
  }
  response.writeHead(200, { "content-type": "text/event-stream" })
  const send = () => {
    response.write(chunk(endpoint, id, { role: "assistant", content: "Hel" }))
    if (behaviour === "error-mid-stream") {
      // Let the first chunk reach the client, then drop the connection mid-reply.
      setTimeout(() => response.destroy(), 30).unref()
      return
    }
    response.write(chunk(endpoint, id, { content: "lo" }))
    if (behaviour === "cut-off") {
      response.end("data: [DONE]\n\n")
      return
    }
    response.write(chunk(endpoint, id, {}, "stop"))
    response.write(behaviour === "usage-without-choices" ? usageWithoutChoices(id) : usage(endpoint, id))
    response.end("data: [DONE]\n\n")
  }
  if (behaviour === "slow-first-token") setTimeout(send, 5_000).unref()
  else send()
}
