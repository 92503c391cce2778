import { HttpServerRequest } from "@effect/platform"
import { Effect, Either, Option, Schema } from "effect"
import { UserId } from "../../../domain/ids.ts"
import { BadRequest, failWith } from "../api-errors.ts"
import { Principal } from "./principal.ts"

/** The user of `AUTH_MODE=local` when `x-user-id` names none. */
export const LOCAL_USER = UserId.make("local")

const decodeUserId = Schema.decodeUnknownEither(UserId)

/** The user `x-user-id` names, if it is sent; a malformed one is a 400. */
export const namedUser = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const header = request.headers["x-user-id"]
  if (header === undefined) return Option.none<UserId>()
  const userId = decodeUserId(header)
  return Either.isRight(userId)
    ? Option.some(userId.right)
    : yield* failWith(BadRequest, "invalid_user_id", "x-user-id may contain only letters, digits and . _ : -")
})

/** Local mode: the caller is on this machine and is trusted to say who it is. */
export const localPrincipal = Effect.map(namedUser, (named) =>
  Principal.User({ userId: Option.getOrElse(named, () => LOCAL_USER) })
)
