import { FiberRef } from "effect"

/** The request id of the request being served; set once by the request middleware. */
export const CurrentRequestId = FiberRef.unsafeMake("")

const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

/** A caller's `x-request-id` is honoured only when it is short and plain. */
export const isWellFormedRequestId = (value: string | undefined): value is string =>
  value !== undefined && WELL_FORMED.test(value)
