import { Effect, FiberRef } from "effect"
import { CurrentRequest } from "./current-request.ts"

/** An event's part of a log line: the ids it is about, and its own fields. */
export interface LogEvent {
  /** Hashed ids (session, group) and the request's id: at the top of the line, where searches look. */
  readonly ids: Readonly<Record<string, string>>
  /** Under the event's name. */
  readonly fields: Readonly<Record<string, unknown>>
}

/**
 * The one log line a unit of work writes when it ends: a request, a chat turn. What happens inside it
 * (a message ingested, then classified) adds its fields to that line, under the event's name, rather
 * than writing a line of its own: an operator reads one line per request, and the process writes one.
 */
export class LogLine {
  private readonly annotations: Record<string, unknown> = {}
  private written = false

  /** Adds an event to the line; false, adding nothing, once the line is written. */
  add(event: string, { ids, fields }: LogEvent): boolean {
    if (this.written) return false
    Object.assign(this.annotations, ids)
    this.annotations[event] = fields
    return true
  }

  /**
   * Marks the line written and answers what its events added, once: events after it write their own,
   * and a second writer (an interruption racing the line's own write) finds nothing to write.
   */
  take(): Readonly<Record<string, unknown>> | undefined {
    if (this.written) return undefined
    this.written = true
    return this.annotations
  }
}

/**
 * An event of the unit of work the fiber runs in (`CurrentRequest`), at Info: it joins that unit's
 * line while the line is still to be written, or is written as a line of its own (`message`) when
 * there is no line or it is written already. `event` is run only when Info lines are written at all
 * (it hashes ids).
 */
export const logEvent = <R>(
  message: string,
  name: string,
  event: Effect.Effect<LogEvent, never, R>
): Effect.Effect<void, never, R> =>
  Effect.asVoid(
    Effect.whenLogLevel(
      Effect.flatMap(event, (logged) =>
        FiberRef.getWith(CurrentRequest, (request) =>
          request?.line.add(name, logged) === true
            ? Effect.void
            : Effect.annotateLogs(Effect.logInfo(message), { ...logged.ids, [name]: logged.fields })
        )
      ),
      "Info"
    )
  )

/**
 * Writes `line` as `message` at Info, what its events added then `annotations`, unless it is written
 * already. Taking the line and writing it are one step: an interruption cannot come between them.
 */
export const writeLogLine = (
  line: LogLine,
  message: string,
  annotations: Readonly<Record<string, unknown>>
) =>
  Effect.uninterruptible(
    Effect.suspend(() => {
      const events = line.take()
      return events === undefined
        ? Effect.void
        : Effect.annotateLogs(Effect.logInfo(message), { ...events, ...annotations })
    })
  )
