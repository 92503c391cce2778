import { createServer } from "node:http"
import { HttpApiBuilder, HttpApiScalar, HttpMiddleware, HttpServer } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Duration, Effect, Layer } from "effect"
import { duration, positiveInteger } from "../../application/config-values.ts"
import { CoachUpApi } from "./api.ts"
import * as Authentication from "./authentication/layer.ts"
import * as AuthenticationSettings from "./authentication/settings.ts"
import * as Edge from "./edge.ts"
import { AssessmentsLive } from "./handlers/assessments.ts"
import { AuthConfigLive } from "./handlers/auth-config.ts"
import { ChatLive, ChatStreamSettings } from "./handlers/chat.ts"
import { MessagesLive } from "./handlers/messages.ts"
import { OperationsLive } from "./handlers/operations.ts"
import { PrivacyLive } from "./handlers/privacy.ts"
import { SessionsLive } from "./handlers/sessions.ts"
import * as RateLimits from "./rate-limit.ts"
import * as RequestMiddleware from "./request-middleware.ts"
import * as WebApp from "./web-app.ts"

export interface HttpOptions extends RequestMiddleware.RequestPolicy {
  /** The built web app (Vite's output folder), served at `/`. */
  readonly webRoot: string
  readonly authentication: AuthenticationSettings.AuthenticationSettings
}

const apiLive = (authentication: AuthenticationSettings.AuthenticationSettings) =>
  HttpApiBuilder.api(CoachUpApi).pipe(
    Layer.provide([
      MessagesLive,
      ChatLive,
      SessionsLive,
      AssessmentsLive,
      PrivacyLive,
      OperationsLive,
      AuthConfigLive(authentication)
    ]),
    Layer.provide(Authentication.layer(authentication))
  )

/**
 * The API, its OpenAPI document and reference page and the web app, behind the request middleware;
 * needs an HttpServer. The platform's own request span is off: the request middleware makes one that
 * holds no URL query and no headers.
 */
export const app = (options: HttpOptions) =>
  HttpApiBuilder.serve().pipe(
    HttpMiddleware.withTracerDisabledWhen(() => true),
    Layer.provide(HttpApiScalar.layer({ path: "/docs" })),
    Layer.provide(WebApp.layer({ root: options.webRoot })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(RequestMiddleware.layer(options)),
    Layer.provide(apiLive(options.authentication))
  )

export interface ListenOptions extends HttpOptions {
  readonly host: string
  readonly port: number
  /** On shutdown, connections still open after this long are closed. */
  readonly drainTimeout: Duration.DurationInput
}

/**
 * The service on a Node HTTP server. Shutdown stops accepting, lets in-flight requests finish,
 * and cuts whatever is still open after the drain timeout; the store layers close after it.
 */
export const listen = (options: ListenOptions) => {
  const server = createServer()
  const drainDeadline = Layer.scopedDiscard(
    Effect.addFinalizer(() =>
      Effect.sync(() =>
        setTimeout(() => server.closeAllConnections(), Duration.toMillis(options.drainTimeout)).unref()
      )
    )
  )
  return Layer.mergeAll(app(options), drainDeadline).pipe(
    HttpServer.withLogAddress,
    Layer.provideMerge(NodeHttpServer.layer(() => server, { host: options.host, port: options.port }))
  )
}

/** What `layerConfig` reads: where to listen, the body limit, the shutdown drain. */
export const config = Config.all({
  host: Config.string("HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.integer("PORT").pipe(
    Config.withDefault(3000),
    Config.validate({
      message: "PORT must be a port number, 0..65535 (0: any free port)",
      validation: (port) => port >= 0 && port <= 65535
    })
  ),
  maxBodyBytes: positiveInteger("MAX_BODY_BYTES", 256 * 1024),
  drainTimeout: duration("SHUTDOWN_DRAIN_SECONDS", 10, "seconds")
})

/**
 * The service on `HOST`:`PORT`, with `MAX_BODY_BYTES`, `SHUTDOWN_DRAIN_SECONDS`, its authentication
 * (`AUTH_*`), edge checks (`ALLOWED_HOSTS`, `CORS_ORIGINS`), rate limits and stream settings from
 * the environment; the web app from `webRoot`. A configuration that would serve other machines
 * without authentication fails here, before the server listens.
 */
export const layerConfig = (options: { readonly webRoot: string }) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const values = yield* config
      const authentication = yield* Effect.flatMap(AuthenticationSettings.config, (settings) =>
        AuthenticationSettings.forHost(settings, values.host)
      )
      const edge = yield* Effect.flatMap(Edge.config, (edge) =>
        Edge.policyFor(edge, { host: values.host, authentication })
      )
      return listen({ ...values, ...options, authentication, edge })
    })
  ).pipe(Layer.provide(Layer.merge(RateLimits.layerConfig, ChatStreamSettings.layerConfig)))
