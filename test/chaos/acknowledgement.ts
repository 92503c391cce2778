import type { Answer } from "./http.ts"

/**
 * What an answer to a write told the client about its message: in the store (`persisted`), in the
 * durable outbox (`queued`), a chat prompt taken (its stream started: stored or queued before the
 * turn), refused (503 with Retry-After), or something a client cannot rely on.
 */
export type Outcome =
  | "persisted"
  | "queued"
  | "stream started"
  | "refused 503"
  | "503 without Retry-After"
  | "200 neither persisted nor queued"
  | "unanswered"
  | `answered ${number}`

/** The outcomes after which the message must be in the store. */
export const isAcknowledged = (outcome: Outcome) =>
  outcome === "persisted" || outcome === "queued" || outcome === "stream started"

/** The outcomes the issue allows a write to have; anything else is a failure. */
export const isHonest = (outcome: Outcome) =>
  isAcknowledged(outcome) || outcome === "refused 503" || outcome === "unanswered"

/** The outcome of `POST /messages/ingest`. */
export const ingestOutcome = (answer: Answer): Outcome => {
  if (answer.status === 0) return "unanswered"
  if (answer.status === 503)
    return answer.headers.has("retry-after") ? "refused 503" : "503 without Retry-After"
  if (answer.status !== 200) return `answered ${answer.status}`
  const body = answer.body as { readonly persisted?: unknown; readonly queued?: unknown }
  if (body.persisted === true) return "persisted"
  return body.queued === true ? "queued" : "200 neither persisted nor queued"
}

/** The outcome of `POST /chat/stream` for its prompt. */
export const chatOutcome = (answer: Pick<Answer, "status" | "headers">): Outcome => {
  if (answer.status === 200) return "stream started"
  if (answer.status === 0) return "unanswered"
  if (answer.status === 503)
    return answer.headers.has("retry-after") ? "refused 503" : "503 without Retry-After"
  return `answered ${answer.status}`
}
