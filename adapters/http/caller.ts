import { HttpApiMiddleware, HttpServerRequest } from "@effect/platform"
import { Context, Effect, Either, Schema } from "effect"
import { UserId } from "../../domain/ids.ts"
import { BadRequest, failWith } from "./api-errors.ts"

/** The user a request acts for. */
export class CurrentUser extends Context.Tag("coachup/http/CurrentUser")<CurrentUser, UserId>() {}

/** Until authentication lands, the one local user unless `x-user-id` names another. */
export const LOCAL_USER = UserId.make("local")

/**
 * Reads the caller from `x-user-id`. This is the one place identity enters; an authentication
 * middleware replaces it without touching a handler.
 */
export class Caller extends HttpApiMiddleware.Tag<Caller>()("Caller", {
  failure: BadRequest,
  provides: CurrentUser
}) {}

const decodeUserId = Schema.decodeUnknownEither(UserId)

export const callerFromHeader = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const header = request.headers["x-user-id"]
  if (header === undefined) return LOCAL_USER
  const userId = decodeUserId(header)
  return Either.isRight(userId)
    ? userId.right
    : yield* failWith(BadRequest, "invalid_user_id", "x-user-id may contain only letters, digits and . _ : -")
})
