import { NodeSdk } from "@effect/opentelemetry"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Context, Effect, Layer, Option } from "effect"
import { optionalUrl } from "../../application/config-values.ts"
import { otlpSpanProcessor } from "./tracing.ts"

/** The service's metrics in Prometheus text format, for our own `/metrics` route. */
export class PrometheusMetrics extends Context.Tag("coachup/telemetry/PrometheusMetrics")<
  PrometheusMetrics,
  { readonly scrape: Effect.Effect<string> }
>() {}

export interface TelemetryOptions {
  readonly serviceName: string
  readonly serviceVersion: string
  /** Where spans go: an OTLP exporter in production, an in-memory one in tests; none records no spans. */
  readonly spanProcessors: ReadonlyArray<SpanProcessor>
}

/**
 * Effect's metrics bridged into OpenTelemetry and read by a Prometheus exporter that starts no
 * server of its own: the HTTP adapter serves the text. The reader is created inside the layer
 * because an OpenTelemetry reader can be bound to one meter provider only. Effect's spans go to
 * the given span processors; with none, the tracer is off: spans nobody reads are not made.
 */
export const layer = ({ spanProcessors, ...resource }: TelemetryOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const exporter = new PrometheusExporter({ preventServerStart: true })
      const serializer = new PrometheusSerializer()
      const scrape = Effect.promise(() => exporter.collect()).pipe(
        Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics))
      )
      return Layer.mergeAll(
        NodeSdk.layer(() => ({ resource, metricReader: exporter, spanProcessor: spanProcessors })),
        Layer.succeed(PrometheusMetrics, PrometheusMetrics.of({ scrape })),
        spanProcessors.length === 0 ? Layer.setTracerEnabled(false) : Layer.empty
      )
    })
  )

/** What `layerConfig` reads: the OTLP collector, if any. */
export const config = optionalUrl("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")

/**
 * Metrics for `/metrics`, and spans to the OTLP collector at `OTEL_EXPORTER_OTLP_ENDPOINT` when one is
 * set, beside any `spanProcessors` given (tests record spans in memory).
 */
export const layerConfig = (extras: { readonly spanProcessors?: ReadonlyArray<SpanProcessor> } = {}) =>
  Layer.unwrapEffect(
    Effect.map(config, (endpoint) =>
      layer({
        serviceName: "coachup",
        serviceVersion: "0.1.0",
        spanProcessors: [
          ...Option.toArray(Option.map(endpoint, otlpSpanProcessor)),
          ...(extras.spanProcessors ?? [])
        ]
      })
    )
  )
