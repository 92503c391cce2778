import { Context, Effect, Layer, Option, Redacted } from "effect"
import { optionalString } from "./config-values.ts"
import { Hashing } from "./ports/hashing.ts"
import { IdGenerator } from "./ports/id-generator.ts"

/** What `HashedIds.layerConfig` reads. */
export const config = optionalString("ID_HASH_SALT")

/**
 * How session and group ids appear in logs: salted (`ID_HASH_SALT`) and hashed, never raw. Unset,
 * the salt is random per process, so hashed ids correlate within one run only.
 */
export class HashedIds extends Context.Tag("coachup/HashedIds")<HashedIds, (id: string) => string>() {
  static readonly layerConfig = Layer.effect(
    HashedIds,
    Effect.gen(function* () {
      const hashing = yield* Hashing
      const configured = yield* config
      const salt = Redacted.make(
        Option.isSome(configured) ? configured.value : yield* Effect.flatMap(IdGenerator, (ids) => ids.next)
      )
      return (id: string) => hashing.digest(`${Redacted.value(salt)}:${id}`).slice(0, 16)
    })
  )
}

/** The hashing function, for a log line's ids. */
export const hashedIds = HashedIds
