import { createServer } from "node:http"
import {
  Etag,
  FileSystem,
  HttpApiBuilder,
  HttpApiScalar,
  HttpMiddleware,
  HttpPlatform,
  type HttpRouter,
  HttpServer,
  HttpServerRequest,
  Path
} from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Config, Context, Deferred, Duration, Effect, Exit, Layer, Scope } from "effect"
import { duration, positiveInteger } from "../../application/config-values.ts"
import { CoachUpApi } from "./api.ts"
import * as Authentication from "./authentication/layer.ts"
import * as AuthenticationSettings from "./authentication/settings.ts"
import { answerClientError } from "./client-errors.ts"
import * as Edge from "./edge.ts"
import { AssessmentsLive } from "./handlers/assessments.ts"
import { AuthConfigLive } from "./handlers/auth-config.ts"
import { ChatLive, ChatStreamSettings } from "./handlers/chat.ts"
import { MeLive } from "./handlers/me.ts"
import { ModelLive } from "./handlers/model.ts"
import { IngestSettings, MessagesLive } from "./handlers/messages.ts"
import { OperationsLive } from "./handlers/operations.ts"
import { PrivacyLive } from "./handlers/privacy.ts"
import { SessionsLive } from "./handlers/sessions.ts"
import * as RateLimits from "./rate-limit.ts"
import * as RequestMiddleware from "./request-middleware.ts"
import { ServerShutdown } from "./shutdown.ts"
import { ChatStreamCapacity } from "./stream-capacity.ts"
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
      MeLive,
      AssessmentsLive,
      PrivacyLive,
      OperationsLive,
      ModelLive,
      AuthConfigLive(authentication)
    ]),
    Layer.provide(Authentication.layer(authentication))
  )

/**
 * `HttpApiBuilder.serve()`, with each request run on the services the platform reads per request (file
 * responses, the body limit) and the server's scope (its own finalizer's; each request gets a scope of
 * its own), rather than on every service of the process. An endpoint's handler still runs on all the
 * services its group was built with, which the platform merges with the request's on every request;
 * but each other step of a request that provides a service (its scope, route, principal) copies only
 * the request's. With every service there, each such copy was some fifty entries, and an open chat
 * stream's request kept two of them for as long as it lasted. A route put on the router outside the
 * API's groups (the web app's pages and assets, the OpenAPI document, the reference page) sees only
 * these: it takes anything else it needs when it is built
 * (docs/decisions/2026-12-03-requests-run-on-the-servers-own-services.md).
 */
const serveApi = Layer.unwrapEffect(
  Effect.map(HttpApiBuilder.httpApp, (httpApp) =>
    Layer.scopedDiscard(
      Effect.gen(function* () {
        const server = yield* HttpServer.HttpServer
        const services = yield* Effect.context<
          HttpRouter.HttpRouter.DefaultServices | Scope.Scope | HttpServerRequest.MaxBodySize
        >()
        const perRequest = Context.pick(
          HttpPlatform.HttpPlatform,
          Etag.Generator,
          FileSystem.FileSystem,
          Path.Path,
          Scope.Scope,
          HttpServerRequest.MaxBodySize
        )(services)
        yield* Effect.mapInputContext(server.serve(httpApp), (_: Context.Context<never>) => perRequest)
      })
    )
  )
).pipe(Layer.provide([HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer]))

/**
 * The API, its OpenAPI document and reference page and the web app, behind the request middleware;
 * needs an HttpServer. The platform's own request span is off: the request middleware makes one that
 * holds no URL query and no headers.
 */
export const app = (options: HttpOptions) =>
  serveApi.pipe(
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
  /** On shutdown, how long open chat streams get to finish before they are ended as incomplete. */
  readonly shutdownGrace: Duration.Duration
  /** A request's headers must all arrive within this long of its first byte (408). */
  readonly headersTimeout: Duration.Duration
  /** A request's headers and body must all arrive within this long (408); a dripped body is cut. */
  readonly bodyTimeout: Duration.Duration
}

/** How often Node looks for requests past their header or body deadline. */
const DEADLINE_CHECK_INTERVAL_MS = 500

/** After the drain, how long requests still running get before their connections are cut. */
const CONNECTION_CLOSE_ALLOWANCE = Duration.seconds(1)

/**
 * The service on a Node HTTP server. Requests Node itself refuses (malformed, oversized headers,
 * past their header or body deadline) are answered with the error envelope. On shutdown (SIGTERM
 * closes the layer's scope, this layer's finalizer first): no new connections, idle ones closed,
 * readiness false and new requests refused at once; open chat streams get the grace, then end
 * in-band as incomplete; connections still open after that are cut, and the store layers close last.
 */
export const listen = (options: ListenOptions) => {
  const server = createServer({
    // A request without Host reaches the edge, which refuses it (421) with the error envelope; Node's
    // own refusal would be a bare 400.
    requireHostHeader: false,
    headersTimeout: Duration.toMillis(options.headersTimeout),
    requestTimeout: Duration.toMillis(options.bodyTimeout),
    connectionsCheckingInterval: DEADLINE_CHECK_INTERVAL_MS
  })
  server.on("clientError", answerClientError)
  const gracefulShutdown = Layer.scopedDiscard(
    Effect.flatMap(ServerShutdown, (shutdown) =>
      Effect.addFinalizer(() =>
        Effect.gen(function* () {
          const closed = yield* Deferred.make<void>()
          server.close(() => Deferred.unsafeDone(closed, Exit.void))
          server.closeIdleConnections()
          yield* shutdown.drain
          // A connection whose stream has ended is idle now; a response during the drain closed its own.
          server.closeIdleConnections()
          yield* Deferred.await(closed).pipe(
            Effect.interruptible,
            Effect.timeout(CONNECTION_CLOSE_ALLOWANCE),
            Effect.ignore
          )
          server.closeAllConnections()
        })
      )
    )
  )
  return gracefulShutdown.pipe(
    Layer.provideMerge(app(options).pipe(HttpServer.withLogAddress)),
    Layer.provideMerge(NodeHttpServer.layer(() => server, { host: options.host, port: options.port })),
    Layer.provideMerge(ServerShutdown.layer({ grace: options.shutdownGrace }))
  )
}

/**
 * What `layerConfig` reads: where to listen, the body limit, the in-flight cap, the request deadlines,
 * the shutdown grace.
 */
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
  maxRequestsInFlight: positiveInteger("MAX_REQUESTS_IN_FLIGHT", 500),
  headersTimeout: duration("HEADERS_TIMEOUT_MS", 10_000),
  bodyTimeout: duration("BODY_TIMEOUT_MS", 30_000),
  handlerTimeout: duration("HANDLER_TIMEOUT_MS", 30_000),
  shutdownGrace: duration("SHUTDOWN_GRACE_MS", 10_000)
}).pipe(
  Config.validate({
    message:
      "BODY_TIMEOUT_MS must be larger than HEADERS_TIMEOUT_MS (the body deadline counts from the first byte)",
    validation: (values) => Duration.greaterThan(values.bodyTimeout, values.headersTimeout)
  })
)

/**
 * The service on `HOST`:`PORT`, with `MAX_BODY_BYTES`, `MAX_REQUESTS_IN_FLIGHT`, the `*_TIMEOUT_MS` deadlines, `SHUTDOWN_GRACE_MS`, its authentication
 * (`AUTH_*`), edge checks (`ALLOWED_HOSTS`, `CORS_ORIGINS`), rate limits, the ingest clock skew and stream settings from
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
  ).pipe(
    Layer.provide(
      Layer.mergeAll(
        RateLimits.layerConfig,
        ChatStreamSettings.layerConfig,
        ChatStreamCapacity.layerConfig,
        IngestSettings.layerConfig
      )
    )
  )
