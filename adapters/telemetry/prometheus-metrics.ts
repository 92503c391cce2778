import { NodeSdk } from "@effect/opentelemetry"
import { PrometheusExporter, PrometheusSerializer } from "@opentelemetry/exporter-prometheus"
import type { SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Context, Effect, Layer } from "effect"

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
 * the given span processors.
 */
export const layer = ({ spanProcessors, ...resource }: TelemetryOptions) =>
  Layer.unwrapEffect(
    Effect.sync(() => {
      const exporter = new PrometheusExporter({ preventServerStart: true })
      const serializer = new PrometheusSerializer()
      const scrape = Effect.promise(() => exporter.collect()).pipe(
        Effect.map(({ resourceMetrics }) => serializer.serialize(resourceMetrics))
      )
      return Layer.merge(
        NodeSdk.layer(() => ({ resource, metricReader: exporter, spanProcessor: spanProcessors })),
        Layer.succeed(PrometheusMetrics, PrometheusMetrics.of({ scrape }))
      )
    })
  )
