import { Effect, FiberRef } from "effect"
import { CurrentRequest } from "../../application/current-request.ts"

/** The id of the request being served (`CurrentRequest`, set by the request middleware). */
export const currentRequestId = FiberRef.getWith(CurrentRequest, (request) =>
  Effect.succeed(request?.requestId ?? "")
)

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

/** A caller's `x-request-id` is honoured only when it is short and plain. */
export const isWellFormedRequestId = (value: string | undefined): value is string =>
  value !== undefined && WELL_FORMED.test(value)
