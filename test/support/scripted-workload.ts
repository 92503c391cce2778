import { readSse, textOf } from "./sse-client.ts"

/**
 * Distinctive strings the workload puts in message text and ids: finding one in a log line, a span
 * or a metric label means text or a raw id leaked.
 */
export const MARKERS = {
  text: "Quokka-marker-41d7",
  session: "sess-marker-8e2b",
  optedOutSession: "sess-private-marker-3a9f",
  outageSession: "sess-outage-marker-6c0e",
  group: "group-marker-27f4"
} as const

export interface StoreSwitch {
  readonly down: () => Promise<void>
  readonly up: () => Promise<void>
  /** Resolves once the outbox is empty again. */
  readonly drained: () => Promise<void>
}

export interface WorkloadOptions {
  /** Prefix for message ids, so one service can run the workload more than once. */
  readonly run: string
  /** Given: one ingest is made while transcript writes fail, and the outbox delivers it after. */
  readonly storeOutage?: StoreSwitch
}

/** Every request the workload made, with the id the service answered under. */
export interface WorkloadRequest {
  readonly route: string
  readonly requestId: string
  readonly status: number
}

/**
 * The scripted workload: a user message that opens a practice, its repeat, the coach's reply, a
 * message in an opted-out session, a chat turn, a one-off request for feedback (assessed by the
 * workers), and (when given a switch) a message during a store outage. The counts each step moves are listed beside it for the tests that check them.
 */
export const runWorkload = async (url: string, options: WorkloadOptions) => {
  const requests: Array<WorkloadRequest> = []
  const call = async (method: string, path: string, route: string, init: RequestInit = {}) => {
    const response = await fetch(url + path, { method, ...init })
    requests.push({ route, requestId: response.headers.get("x-request-id") ?? "", status: response.status })
    return response
  }
  const ingest = (body: Record<string, unknown>) =>
    call("POST", "/messages/ingest", "/messages/ingest", {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as unknown }))
  const user = (sessionId: string, id: string, text: string) =>
    ingest({ sessionId, messageId: `${options.run}-${id}`, role: "user", text, groupId: MARKERS.group })

  // Persisted user message, classified `start` inline.
  await user(MARKERS.session, "open", `Can we practise asking for a raise? ${MARKERS.text}`)
  // The same message again: a duplicate.
  await user(MARKERS.session, "open", `Can we practise asking for a raise? ${MARKERS.text}`)
  // The coach's message: persisted, not classified.
  await ingest({
    sessionId: MARKERS.session,
    messageId: `${options.run}-coach`,
    role: "assistant",
    text: `Sure, I am your manager. ${MARKERS.text}`
  })
  // A privacy skip: the session is opted out, so its message stays in memory.
  await call("PUT", `/sessions/${MARKERS.optedOutSession}/privacy`, "/sessions/:sessionId/privacy", {
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ transcriptPersistenceOptOut: true })
  })
  await user(MARKERS.optedOutSession, "private", `Nothing durable please ${MARKERS.text}`)
  // One chat turn: its prompt is ingested and classified in the background, its reply recorded.
  const chat = await readSse(
    await call(
      "GET",
      `/chat/stream?prompt=${encodeURIComponent(`How should I open? ${MARKERS.text}`)}`,
      "/chat/stream",
      { headers: { "x-session-id": MARKERS.session, "x-group-id": MARKERS.group } }
    )
  )
  // A one-off request for feedback: its own group, closed at once, queued for assessment.
  await user(MARKERS.session, "one-off", `Can you give me feedback on this opener: '${MARKERS.text}'?`)
  if (options.storeOutage !== undefined) {
    // Transcript writes fail: the message is queued in the outbox, then delivered when the store is back.
    await options.storeOutage.down()
    await user(MARKERS.outageSession, "outage", `Said during an outage ${MARKERS.text}`)
    await options.storeOutage.up()
    await options.storeOutage.drained()
  }
  return { requests, reply: textOf(chat.events) }
}
