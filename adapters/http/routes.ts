import { HttpApi } from "@effect/platform"
import { CoachUpApi } from "./api.ts"
import { WEB_APP_PAGES } from "./web-app.ts"

interface RoutePattern {
  readonly method: string
  readonly path: string
  readonly regex: RegExp
}

const patterns: Array<RoutePattern> = []
HttpApi.reflect(CoachUpApi, {
  onGroup: () => {},
  onEndpoint: ({ endpoint }) => {
    const source = endpoint.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z]+/g, "[^/]+")
    patterns.push({ method: endpoint.method, path: endpoint.path, regex: new RegExp(`^${source}/?$`) })
  }
})

/** The route pattern a request matches (`/sessions/:sessionId/messages`), for bounded metric labels. */
export const routeOf = (method: string, url: string): string => {
  const pathname = url.split("?", 1)[0] ?? url
  const match = patterns.find((pattern) => pattern.method === method && pattern.regex.test(pathname))
  if (match !== undefined) return match.path
  if (pathname === "/docs" || pathname === "/openapi.json") return pathname
  if ((WEB_APP_PAGES as ReadonlyArray<string>).includes(pathname)) return pathname
  return pathname.startsWith("/assets/") ? "/assets/*" : "unmatched"
}
