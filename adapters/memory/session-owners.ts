import { Effect, Layer, Option } from "effect"
import { SessionOwners } from "../../application/ports/session-owners.ts"
import { UserId } from "../../domain/ids.ts"
import { ownerAfterWrite } from "../../domain/session-ownership.ts"

/** Session owners in process memory: the `test` deployment's store. */
export const make = Effect.sync(() => {
  const owners = new Map<string, string>()
  return SessionOwners.of({
    ownerOf: (sessionId) =>
      Effect.sync(() => Option.map(Option.fromNullable(owners.get(sessionId)), UserId.make)),
    claim: (sessionId, writer) =>
      Effect.sync(() => {
        const owner = ownerAfterWrite(owners.get(sessionId), writer)
        owners.set(sessionId, owner)
        return UserId.make(owner)
      })
  })
})

export const layer = Layer.effect(SessionOwners, make)
