import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { BatchSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base"

/**
 * Spans batched and sent over OTLP/HTTP to a collector at `endpoint` (its base URL; the traces path
 * is appended as the OTLP specification says for OTEL_EXPORTER_OTLP_ENDPOINT). The URL is passed
 * explicitly so the exporter reads no environment of its own.
 */
export const otlpSpanProcessor = (endpoint: string): SpanProcessor =>
  new BatchSpanProcessor(
    new OTLPTraceExporter({ url: new URL("v1/traces", withTrailingSlash(endpoint)).href })
  )

const withTrailingSlash = (url: string) => (url.endsWith("/") ? url : `${url}/`)
