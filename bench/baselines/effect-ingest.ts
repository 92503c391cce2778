/**
 * The minimal Effect baseline: one `HttpApi` POST endpoint with a Schema payload and a Schema answer,
 * on `@effect/platform-node`, making the same write as the bare baseline (./ingest-table.ts). No
 * middleware, no logger, no spans. `node bench/baselines/effect-ingest.ts <database file>` listens on
 * 127.0.0.1, any free port, logs `Listening on http://…` as a JSON line and stops on SIGTERM.
 */
import { createServer } from "node:http"
import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer, Schema } from "effect"
import { logListening, openIngestTable } from "./ingest-table.ts"

export const Message = Schema.Struct({
  sessionId: Schema.String,
  messageId: Schema.String,
  role: Schema.Literal("user", "assistant"),
  text: Schema.String,
  ts: Schema.optional(Schema.Number)
})

export const Answer = Schema.Struct({
  messageId: Schema.String,
  sessionId: Schema.String,
  persisted: Schema.Boolean,
  queued: Schema.Boolean,
  duplicate: Schema.Boolean
})

const Api = HttpApi.make("baseline").add(
  HttpApiGroup.make("messages").add(
    HttpApiEndpoint.post("ingest", "/messages/ingest").setPayload(Message).addSuccess(Answer)
  )
)

/** The minimal server on `database`, at 127.0.0.1 and any free port; exposes its `HttpServer`. */
export const minimalIngestServer = (database: string) => {
  const ingest = openIngestTable(database)
  const MessagesLive = HttpApiBuilder.group(Api, "messages", (handlers) =>
    handlers.handle("ingest", ({ payload }) => Effect.sync(() => ingest(payload)))
  )
  return HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiBuilder.api(Api).pipe(Layer.provide(MessagesLive))),
    Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
  )
}

const logAddress = Layer.effectDiscard(
  Effect.flatMap(HttpServer.HttpServer, ({ address }) =>
    Effect.sync(() => logListening(address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : ""))
  )
)

if (import.meta.main) {
  NodeRuntime.runMain(
    Layer.launch(
      logAddress.pipe(Layer.provideMerge(minimalIngestServer(process.argv[2] ?? "effect-ingest.sqlite")))
    )
  )
}
