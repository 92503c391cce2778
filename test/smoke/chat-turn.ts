import { performance } from "node:perf_hooks"
import { createParser } from "eventsource-parser"

/** One chat turn as a client sends it: `GET /chat/stream?prompt=…` for one session. */
export interface TurnRequest {
  readonly baseUrl: string
  readonly userId: string
  readonly sessionId: string
  readonly prompt: string
  /** The turn fails when it has not reached `data: [DONE]` this long after it was sent. */
  readonly timeoutMs: number
  /** Aborted to stop the turn early; its `reason` says why (see {@link StopReason}). */
  readonly stop: AbortSignal
}

/** Why the harness stopped turns still in flight: the graceful stop after the run ended, or Ctrl-C. */
export type StopReason = "graceful-stop" | "interrupted"

export type TurnResult =
  | {
      readonly outcome: "ok"
      /** From sending the request to the first `text-delta` part. */
      readonly ttftMs: number
      /** From sending the request to `data: [DONE]`. */
      readonly durationMs: number
      readonly deltas: number
      /** `messageMetadata.contextMessages` of the `start` part: the messages the model saw. */
      readonly contextMessages: number | undefined
    }
  | {
      readonly outcome: "failed"
      readonly reason: string
      readonly ttftMs: number | undefined
      readonly durationMs: number
    }
  /** Cut short by Ctrl-C: neither a success nor a failure. */
  | { readonly outcome: "interrupted" }

/** A turn the service got wrong; ends the turn as failed with its message as the reason. */
class Malformed extends Error {}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = record(error.cause)
  const code = cause?.["code"]
  if (typeof code === "string") return `${error.message} (${code})`
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message
}

/** `{"error":{"code"}}` of an error response, or the start of its body. */
const errorCode = (body: string): string => {
  try {
    const code = record(record(JSON.parse(body))?.["error"])?.["code"]
    if (typeof code === "string") return code
  } catch {
    // not JSON: fall through
  }
  return JSON.stringify(body.slice(0, 80))
}

/**
 * Sends one turn and reads its SSE stream to the end, checking it is a well-formed AI SDK UI
 * message stream: `start`, `text-start`, one or more `text-delta`, `text-end`, `finish`, then
 * `data: [DONE]` and nothing after. An `error` part, a non-200 status, a broken stream or the
 * timeout fail the turn.
 */
export const runTurn = async (request: TurnRequest): Promise<TurnResult> => {
  const timeout = AbortSignal.timeout(request.timeoutMs)
  const signal = AbortSignal.any([timeout, request.stop])
  const url = new URL("/chat/stream", request.baseUrl)
  url.searchParams.set("prompt", request.prompt)

  const sentAt = performance.now()
  let ttftMs: number | undefined
  let durationMs: number | undefined
  let deltas = 0
  let contextMessages: number | undefined
  const seen: Array<string> = []
  let malformed: string | undefined

  const onPart = (data: string) => {
    if (durationMs !== undefined) throw new Malformed(`data after [DONE]: ${data.slice(0, 60)}`)
    if (data === "[DONE]") {
      durationMs = performance.now() - sentAt
      const expected = ["start", "text-start", "text-end", "finish"]
      const missing = expected.filter((type) => !seen.includes(type))
      if (missing.length > 0) throw new Malformed(`[DONE] without ${missing.join(", ")}`)
      if (deltas === 0) throw new Malformed("[DONE] without any text-delta")
      if (seen.at(-1) !== "finish") throw new Malformed(`last part before [DONE] was ${seen.at(-1)}`)
      return
    }
    let part: Record<string, unknown> | undefined
    try {
      part = record(JSON.parse(data))
    } catch {
      throw new Malformed(`data is not JSON: ${data.slice(0, 60)}`)
    }
    const type = part?.["type"]
    if (part === undefined || typeof type !== "string") throw new Malformed(`part without a type: ${data}`)
    if (seen.length === 0 && type !== "start") throw new Malformed(`first part was ${type}, not start`)
    seen.push(type)
    switch (type) {
      case "start": {
        const context = record(part["messageMetadata"])?.["contextMessages"]
        if (typeof context === "number") contextMessages = context
        break
      }
      case "text-delta":
        if (!seen.includes("text-start")) throw new Malformed("text-delta before text-start")
        if (typeof part["delta"] !== "string") throw new Malformed("text-delta without a delta")
        if (deltas === 0) ttftMs = performance.now() - sentAt
        deltas++
        break
      case "error":
        throw new Malformed(`error part: ${String(part["errorText"])}`)
    }
  }

  const parser = createParser({
    onEvent: (event) => {
      if (malformed !== undefined) return
      try {
        onPart(event.data)
      } catch (error) {
        if (!(error instanceof Malformed)) throw error
        malformed = error.message
      }
    }
  })

  const failed = (reason: string): TurnResult => ({
    outcome: "failed",
    reason,
    ttftMs,
    durationMs: performance.now() - sentAt
  })

  try {
    const response = await fetch(url, {
      headers: {
        accept: "text/event-stream",
        "x-user-id": request.userId,
        "x-session-id": request.sessionId
      },
      signal
    })
    if (response.status !== 200) return failed(`HTTP ${response.status} ${errorCode(await response.text())}`)
    const contentType = response.headers.get("content-type") ?? ""
    if (!contentType.startsWith("text/event-stream")) {
      await response.body?.cancel()
      return failed(`content-type ${JSON.stringify(contentType)}`)
    }
    if (response.body === null) return failed("no response body")
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) break
      parser.feed(chunk.value)
      if (malformed !== undefined) {
        await reader.cancel()
        return failed(malformed)
      }
    }
    parser.reset({ consume: true })
    if (malformed !== undefined) return failed(malformed)
    if (durationMs === undefined || ttftMs === undefined) {
      return failed(`stream ended without [DONE] after ${seen.join(", ") || "no parts"}`)
    }
    return { outcome: "ok", ttftMs, durationMs, deltas, contextMessages }
  } catch (error) {
    if (timeout.aborted) return failed(`no [DONE] within the ${request.timeoutMs} ms turn timeout`)
    if (request.stop.aborted) {
      const reason: unknown = request.stop.reason
      return reason === ("interrupted" satisfies StopReason)
        ? { outcome: "interrupted" }
        : failed("still running when the graceful stop ended")
    }
    return failed(describe(error))
  }
}
