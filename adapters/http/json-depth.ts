import { type HttpApp, type HttpServerError, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { BadRequest, failWith } from "./api-errors.ts"

/** The deepest nesting of objects and arrays a request body may have; no payload of ours nests past 4. */
export const MAX_JSON_DEPTH = 32

/**
 * Whether JSON text nests objects or arrays deeper than `limit`, read as text in one pass: brackets
 * inside strings do not count. Malformed text is left to the parser.
 */
export const nestsDeeperThan = (text: string, limit: number) => {
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index)
    if (inString) {
      if (char === 0x5c) index++
      else if (char === 0x22) inString = false
    } else if (char === 0x22) inString = true
    else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return true
    } else if (char === 0x7d || char === 0x5d) depth--
  }
  return false
}

/**
 * Refuses a body nested past `MAX_JSON_DEPTH` with 400 before the payload is decoded: a schema
 * failure thousands of levels deep overflows the stack while its message is written. The body
 * read here is the one the handler decodes (the platform caches it), under the same size limit.
 */
export const withinJsonDepth = <E, R>(app: HttpApp.Default<E, R>) =>
  Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request): HttpApp.Default<E | BadRequest | HttpServerError.RequestError, R> =>
      request.headers["content-type"] === undefined
        ? app
        : Effect.flatMap(request.text, (text): HttpApp.Default<E | BadRequest, R> =>
            nestsDeeperThan(text, MAX_JSON_DEPTH)
              ? failWith(BadRequest, "invalid_request", `the body nests deeper than ${MAX_JSON_DEPTH} levels`)
              : app
          )
  )
