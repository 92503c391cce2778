import { createParser } from "eventsource-parser"

export interface SseRead {
  readonly status: number
  readonly headers: Headers
  /** Each event's data, parsed as JSON where it is JSON (`[DONE]` stays a string). */
  readonly events: ReadonlyArray<unknown>
}

/** A parser that collects each event's data, parsed as JSON where it is JSON. */
const collectingParser = () => {
  const events: Array<unknown> = []
  const parser = createParser({
    onEvent: (event) => {
      events.push(event.data === "[DONE]" ? event.data : JSON.parse(event.data))
    }
  })
  return { events, feed: (text: string) => parser.feed(text) }
}

/** Reads a whole SSE response with a plain, independent parser (eventsource-parser). */
export const readSse = async (response: Response): Promise<SseRead> => {
  const { events, feed } = collectingParser()
  const decoder = new TextDecoder()
  for await (const chunk of response.body ?? []) feed(decoder.decode(chunk, { stream: true }))
  return { status: response.status, headers: response.headers, events }
}

/** The events of an SSE body already read whole. */
export const parseSse = (body: string): ReadonlyArray<unknown> => {
  const { events, feed } = collectingParser()
  feed(body)
  return events
}

export const textOf = (events: ReadonlyArray<unknown>) =>
  events
    .filter(
      (event): event is { type: "text-delta"; delta: string } =>
        (event as { type?: string }).type === "text-delta"
    )
    .map((event) => event.delta)
    .join("")

/** Each event's part type (`start`, `text-delta`, ...), and `[DONE]` as it is. */
export const partTypes = (events: ReadonlyArray<unknown>) =>
  events.map((event) => (typeof event === "string" ? event : (event as { type: string }).type))
