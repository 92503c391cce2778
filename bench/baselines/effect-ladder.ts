/**
 * Rungs between the bare ingest server and the minimal `HttpApi` one, each making the same write
 * (./ingest-table.ts), to tell what of the minimal server's cost is whose:
 * - `runtime`: `node:http` as the bare server has it, the write run as an Effect in a fiber per
 *   request: Effect's runtime and nothing of the platform;
 * - `router`: `@effect/platform`'s server and `HttpRouter`, the body read with `request.json` and
 *   checked by hand, the answer written with `HttpServerResponse.unsafeJson`: the platform's request
 *   handling and router, no Schema;
 * - `schema`: the same route decoding the body with `HttpServerRequest.schemaBodyJson` and answering
 *   with `HttpServerResponse.schemaJson`: what Schema adds at each end.
 * `node bench/baselines/effect-ladder.ts <rung> <database file>` listens on 127.0.0.1, any free port,
 * logs `Listening on http://…` as a JSON line and stops on SIGTERM.
 */
import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { Answer, Message } from "./effect-ingest.ts"
import { serveBareIngest } from "./bare-server.ts"
import { type BaselineMessage, isBaselineMessage, logListening, openIngestTable } from "./ingest-table.ts"
import { writeJson } from "./write-json.ts"

export type Rung = "runtime" | "router" | "schema"

/** `node:http`, the write in a fiber of its own per request. */
const runtimeServer = (database: string) => {
  const ingest = openIngestTable(database)
  serveBareIngest((payload, response) =>
    Effect.runFork(
      Effect.sync(() => ingest(payload)).pipe(
        Effect.tap((answer) => Effect.sync(() => writeJson(response, 200, answer)))
      )
    )
  )
}

/** The platform's server and router: the body checked by hand (`router`) or by Schema (`schema`). */
export const routerServer = (rung: "router" | "schema", database: string) => {
  const ingest = openIngestTable(database)
  const handler =
    rung === "schema"
      ? Effect.flatMap(HttpServerRequest.schemaBodyJson(Message), (payload) =>
          HttpServerResponse.schemaJson(Answer)(ingest(payload))
        )
      : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
          Effect.flatMap(request.json, (payload) =>
            isBaselineMessage(payload)
              ? Effect.succeed(HttpServerResponse.unsafeJson(ingest(payload as BaselineMessage)))
              : HttpServerResponse.json({ error: "invalid_request" }, { status: 400 })
          )
        )
  const router = HttpRouter.empty.pipe(HttpRouter.post("/messages/ingest", handler))
  return HttpServer.serve(
    router.pipe(Effect.catchAll(() => HttpServerResponse.json({ error: "invalid_request" }, { status: 400 })))
  ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
}

if (import.meta.main) {
  const rung = process.argv[2] as Rung
  const database = process.argv[3] ?? `${rung}-ingest.sqlite`
  if (rung === "runtime") runtimeServer(database)
  else
    NodeRuntime.runMain(
      Layer.launch(
        Layer.effectDiscard(
          Effect.flatMap(HttpServer.HttpServer, ({ address }) =>
            Effect.sync(() =>
              logListening(address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : "")
            )
          )
        ).pipe(Layer.provideMerge(routerServer(rung, database)))
      )
    )
}
