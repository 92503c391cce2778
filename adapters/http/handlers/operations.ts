import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { TranscriptStore } from "../../../application/ports/transcript-store.ts"
import { PrometheusMetrics } from "../../telemetry/prometheus-metrics.ts"
import { CoachUpApi } from "../api.ts"
import { failWith, mapDomainErrors, ServiceUnavailable } from "../api-errors.ts"
import { ServerShutdown } from "../shutdown.ts"

export const OperationsLive = HttpApiBuilder.group(CoachUpApi, "operations", (handlers) =>
  handlers
    .handle("healthz", () => Effect.succeed({ status: "ok" as const }))
    .handle("readyz", () =>
      Effect.gen(function* () {
        // Draining: the load balancer should send nothing new here, whatever the store says.
        if (yield* Effect.flatMap(ServerShutdown, (shutdown) => shutdown.draining)) {
          return yield* failWith(ServiceUnavailable, "shutting_down", "this process is shutting down")
        }
        const store = yield* TranscriptStore
        yield* store.ping
        return { status: "ready" as const }
      }).pipe(mapDomainErrors)
    )
    .handle("metrics", () =>
      Effect.gen(function* () {
        const metrics = yield* PrometheusMetrics
        return HttpServerResponse.text(yield* metrics.scrape, {
          contentType: "text/plain; version=0.0.4; charset=utf-8"
        })
      })
    )
)
