import { Effect, Redacted } from "effect"
import { ConversationSettings } from "./conversation-settings.ts"
import { Hashing } from "./ports/hashing.ts"

/** How session and group ids appear in logs: salted (`ID_HASH_SALT`) and hashed, never raw. */
export const hashedIds = Effect.gen(function* () {
  const hashing = yield* Hashing
  const salt = Redacted.value((yield* ConversationSettings).idHashSalt)
  return (id: string) => hashing.digest(`${salt}:${id}`).slice(0, 16)
})
