import { Effect, Option } from "effect"
import { SessionRequired } from "../../domain/errors.ts"
import type { SessionId } from "../../domain/ids.ts"

/** The request's session: from the body or `x-session-id`; both present must agree. */
export const sessionOf = (body: SessionId | undefined, header: SessionId | undefined) => {
  if (body !== undefined && header !== undefined && body !== header) {
    return Effect.fail(new SessionRequired({ message: "sessionId in the body and x-session-id differ" }))
  }
  return Option.match(Option.fromNullable(body ?? header), {
    onNone: () =>
      Effect.fail(new SessionRequired({ message: "sessionId is required (body or x-session-id)" })),
    onSome: Effect.succeed
  })
}
