import { Clock, Effect, Layer, Option, Order } from "effect"
import { type OwnedSession, SessionOwners, sessionListOf } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { ownerAfterWrite } from "../../domain/session-ownership.ts"
import { emptySummary, summaryAfterUnstored } from "../../domain/session-summary.ts"
import { SessionDirectory } from "./session-directory.ts"

/** The list order: last activity, newest first, then session id, descending. */
const listOrder = Order.reverse(
  Order.combine(
    Order.mapInput(Order.number, (session: OwnedSession) => session.lastActivityAt),
    Order.mapInput(Order.string, (session: OwnedSession) => session.sessionId)
  )
)

/** Session owners in process memory: the `test` deployment's store. */
export const make = Effect.gen(function* () {
  const directory = yield* SessionDirectory
  return SessionOwners.of({
    ownerOf: (sessionId) =>
      Effect.sync(() => Option.map(Option.fromNullable(directory.get(sessionId)), (entry) => entry.owner)),
    claim: (sessionId, writer) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const stored = directory.get(sessionId)
        if (stored === undefined)
          directory.set(sessionId, { owner: writer, createdAt: now, summary: emptySummary(now) })
        return UserId.make(ownerAfterWrite(stored?.owner, writer))
      }),
    sessionsOf: (owner, request) =>
      Effect.sync(() => {
        const sessions: Array<OwnedSession> = []
        for (const [sessionId, entry] of directory)
          if (entry.owner === owner)
            sessions.push({
              sessionId,
              createdAt: entry.createdAt,
              lastActivityAt: entry.summary.lastActivityAt,
              messageCount: entry.summary.messageCount,
              title: Option.fromNullable(entry.summary.title)
            })
        const ordered = sessions.sort(listOrder)
        const start = Option.match(request.after, {
          onNone: () => 0,
          onSome: (after) => {
            const index = ordered.findIndex((session) => listOrder(session, { ...session, ...after }) > 0)
            return index === -1 ? ordered.length : index
          }
        })
        return sessionListOf(ordered.slice(start, start + request.limit + 1), request.limit)
      }),
    countUnstored: (sessionId, ts) =>
      Effect.sync(() => {
        const entry = directory.get(sessionId)
        if (entry !== undefined)
          directory.set(sessionId, { ...entry, summary: summaryAfterUnstored(entry.summary, ts) })
      }),
    messageCountOf: (sessionId) => Effect.sync(() => directory.get(sessionId)?.summary.messageCount ?? 0),
    release: (sessionId) => Effect.sync(() => void directory.delete(sessionId))
  })
})

/** Needs the `SessionDirectory` it shares with the memory `TranscriptStore`. */
export const layer = Layer.effect(SessionOwners, make)
