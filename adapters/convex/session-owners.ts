import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { OwnedSession, SessionOwners, sessionListOf } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { call, callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeOwner = Schema.decodeUnknownSync(Schema.NullOr(UserId))
const decodeClaimed = Schema.decodeUnknownSync(UserId)
const decodeOwned = Schema.decodeUnknownSync(Schema.Array(OwnedSession))
const decodeCount = Schema.decodeUnknownSync(Schema.Number)

/** `SessionOwners` on Convex: a claim is one serializable mutation; the list reads the owner's index. */
export const make = Effect.gen(function* () {
  const { caller, secret: redacted } = yield* ConvexBackend
  const secret = Redacted.value(redacted)
  return SessionOwners.of({
    ownerOf: (sessionId) =>
      Effect.map(
        callDecoded("owner_of", decodeOwner, () => caller.query(api.owners.ownerOf, { secret, sessionId })),
        Option.fromNullable
      ),
    claim: (sessionId, writer) =>
      callDecoded("claim_session", decodeClaimed, () =>
        caller.mutation(api.owners.claim, { secret, sessionId, writer })
      ),
    sessionsOf: (owner, request) =>
      callDecoded(
        "sessions_of",
        (fetched) => sessionListOf(decodeOwned(fetched), request.limit),
        () =>
          caller.query(api.owners.sessionsOf, {
            secret,
            owner,
            limit: request.limit + 1,
            ...Option.match(request.after, { onNone: () => ({}), onSome: (after) => ({ after }) })
          })
      ),
    countUnstored: (sessionId, ts) =>
      call("count_unstored", () => caller.mutation(api.owners.countUnstored, { secret, sessionId, ts })),
    messageCountOf: (sessionId) =>
      callDecoded("message_count_of", decodeCount, () =>
        caller.query(api.owners.messageCountOf, { secret, sessionId })
      ),
    release: (sessionId) =>
      call("release_session", () => caller.mutation(api.owners.release, { secret, sessionId }))
  })
})

export const layer = Layer.effect(SessionOwners, make)
