import { Effect, Layer, Option, Redacted, Schema } from "effect"
import { SessionOwners } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { callDecoded, ConvexBackend } from "./backend.ts"
import { api } from "./functions/_generated/api.js"

const decodeOwner = Schema.decodeUnknownSync(Schema.NullOr(UserId))
const decodeClaimed = Schema.decodeUnknownSync(UserId)

/** `SessionOwners` on Convex: a claim is one serializable mutation. */
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
      )
  })
})

export const layer = Layer.effect(SessionOwners, make)
