import { join } from "node:path"
import {
  HttpApi,
  HttpApiBuilder,
  HttpServerError,
  HttpServerRequest,
  HttpServerResponse
} from "@effect/platform"
import { Effect } from "effect"
import { CoachUpApi } from "./api.ts"
import { failWith, NotFound, ServiceUnavailable } from "./api-errors.ts"

/** The browser app's own paths: each answers index.html and the app routes on the client. */
export const WEB_APP_PAGES = ["/", "/my-sessions", "/settings", "/history", "/assessments"] as const

/** Vite writes flat, content-hashed names under assets/; anything else (`..`, `%2f`) is not an asset. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

const firstSegment = (path: string) => path.split("/", 2)[1] ?? ""

/** The first path segments the API's routes and documents live under, less those that are also pages. */
const API_SEGMENTS: ReadonlySet<string> = (() => {
  const segments = new Set(["assets", "docs", "openapi.json"])
  HttpApi.reflect(CoachUpApi, {
    onGroup: () => {},
    onEndpoint: ({ endpoint }) => segments.add(firstSegment(endpoint.path))
  })
  for (const page of WEB_APP_PAGES) segments.delete(firstSegment(page))
  return segments
})()

/**
 * Serves the built web app (`root` holds Vite's output) beside the API: its pages and its assets.
 * An unknown path a browser asks for as a page (`Accept: text/html`) gets the app, which shows its
 * "page not found", with status 404; API paths and every other request get the API's 404 envelope.
 */
export const layer = (options: { readonly root: string }) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const index = HttpServerResponse.file(join(options.root, "index.html"), {
        headers: { "cache-control": "no-cache" }
      }).pipe(
        Effect.catchTag("SystemError", () =>
          failWith(
            ServiceUnavailable,
            "web_app_not_built",
            "the web app is not built: run `npm run build:web`"
          )
        )
      )
      for (const page of WEB_APP_PAGES) yield* router.get(page, index)
      yield* router.get(
        "*",
        Effect.gen(function* () {
          const request = yield* HttpServerRequest.HttpServerRequest
          const path = request.url.split("?", 1)[0]!
          const asksForPage = (request.headers.accept ?? "").includes("text/html")
          if (!asksForPage || API_SEGMENTS.has(firstSegment(path)))
            return yield* new HttpServerError.RouteNotFound({ request })
          return HttpServerResponse.setStatus(yield* index, 404)
        })
      )
      yield* router.get(
        "/assets/*",
        Effect.gen(function* () {
          const { url } = yield* HttpServerRequest.HttpServerRequest
          const name = url.split("?", 1)[0]!.slice("/assets/".length)
          const missing = failWith(NotFound, "not_found", `no asset ${name}`)
          if (!ASSET_NAME.test(name)) return yield* missing
          return yield* HttpServerResponse.file(join(options.root, "assets", name), {
            headers: { "cache-control": "public, max-age=31536000, immutable" }
          }).pipe(Effect.catchTag("SystemError", () => missing))
        })
      )
    })
  )
