import { Effect, Redacted } from "effect"
import { ConversationSettings } from "./conversation-settings.ts"
import { Hashing } from "./ports/hashing.ts"

/**
 * How session and group ids appear in logs: a salted hash (ID_HASH_SALT), so lines of one session
 * correlate without the raw id, which may itself be personal, ever being written.
 */
export const hashedIds = Effect.gen(function* () {
  const salt = Redacted.value((yield* ConversationSettings).idHashSalt)
  const hashing = yield* Hashing
  return (id: string) => hashing.digest(`${salt}:${id}`).slice(0, 16)
})
