import { FiberRef } from "effect"
import type { LogLine } from "./log-line.ts"

/** The request a fiber works for. */
export interface RequestWork {
  /** In its log lines, its error answers, its provider calls and jobs. */
  readonly requestId: string
  /** The line its events join: the request's own, or its chat turn's. */
  readonly line: LogLine
}

/**
 * The request a fiber works for, set once on the request's own fiber; fibers it forks inherit it. One
 * reference for both: each reference set on a request's fiber costs an open chat stream memory.
 */
export const CurrentRequest = FiberRef.unsafeMake<RequestWork | undefined>(undefined)
