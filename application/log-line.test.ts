import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, HashMap, Logger, LogLevel } from "effect"
import { CurrentRequest } from "./current-request.ts"
import { LogLine, logEvent, writeLogLine } from "./log-line.ts"

interface Written {
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

/** Runs `self` with its Info lines kept in the answer rather than written. */
const capturing = <A, E>(self: Effect.Effect<A, E>, minimum: LogLevel.LogLevel = LogLevel.Info) => {
  const lines: Array<Written> = []
  const logger = Logger.make(({ message, annotations }) => {
    lines.push({
      message: [message].flat()[0],
      annotations: Object.fromEntries(HashMap.toEntries(annotations))
    })
  })
  return self.pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
    Logger.withMinimumLogLevel(minimum),
    Effect.map((value) => ({ value, lines }))
  )
}

const ingested = logEvent(
  "message ingested",
  "ingest",
  Effect.succeed({ ids: { session: "hashed-session" }, fields: { outcome: "persisted" } })
)

describe("a unit of work's log line", () => {
  it.effect("takes the events of its work, and of fibers it forks, as one line", () =>
    Effect.gen(function* () {
      const line = new LogLine()
      const { lines } = yield* capturing(
        Effect.gen(function* () {
          yield* ingested
          const forked = yield* Effect.fork(
            logEvent(
              "message classified",
              "classification",
              Effect.succeed({ ids: { session: "hashed-session" }, fields: { decision: "start" } })
            )
          )
          yield* Fiber.join(forked)
          yield* writeLogLine(line, "http request", { status: "200" })
        }).pipe(Effect.locally(CurrentRequest, { requestId: "request-1", line }))
      )
      expect(lines).toEqual([
        {
          message: "http request",
          annotations: {
            session: "hashed-session",
            ingest: { outcome: "persisted" },
            classification: { decision: "start" },
            status: "200"
          }
        }
      ])
    })
  )

  it.effect("leaves an event after it is written, or outside any unit, to a line of its own", () =>
    Effect.gen(function* () {
      const line = new LogLine()
      const { lines } = yield* capturing(
        Effect.gen(function* () {
          yield* writeLogLine(line, "http request", { status: "200" }).pipe(
            Effect.locally(CurrentRequest, { requestId: "request-1", line })
          )
          yield* ingested.pipe(Effect.locally(CurrentRequest, { requestId: "request-1", line }))
          yield* ingested
        })
      )
      const own = { session: "hashed-session", ingest: { outcome: "persisted" } }
      expect(lines).toEqual([
        { message: "http request", annotations: { status: "200" } },
        { message: "message ingested", annotations: own },
        { message: "message ingested", annotations: own }
      ])
    })
  )

  it.effect("is written once, however many writers reach it", () =>
    Effect.gen(function* () {
      const line = new LogLine()
      const { lines } = yield* capturing(
        Effect.gen(function* () {
          yield* writeLogLine(line, "chat turn", { outcome: "completed" })
          yield* writeLogLine(line, "chat turn", { outcome: "interrupted" })
        })
      )
      expect(lines).toEqual([{ message: "chat turn", annotations: { outcome: "completed" } }])
    })
  )

  it.effect("does not make an event's fields when Info lines are not written", () =>
    Effect.gen(function* () {
      let made = 0
      const line = new LogLine()
      const { lines } = yield* capturing(
        Effect.gen(function* () {
          yield* logEvent(
            "message ingested",
            "ingest",
            Effect.sync(() => {
              made++
              return { ids: {}, fields: {} }
            })
          )
          yield* writeLogLine(line, "http request", { status: "200" })
        }).pipe(Effect.locally(CurrentRequest, { requestId: "request-1", line })),
        LogLevel.Warning
      )
      expect(made).toBe(0)
      expect(lines).toEqual([])
    })
  )
})
