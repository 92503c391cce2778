import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { readSse } from "../support/sse-client.ts"
import { startService } from "../support/service.ts"

interface Export {
  readonly path: string
  readonly contentType: string
  readonly body: string
}

const PROMPT = "Marmot-otlp-marker-5d1c"

/** A stand-in OTLP/HTTP collector: records what it is sent. */
let collector: Server
let collectorUrl: string
const received: Array<Export> = []
beforeAll(async () => {
  collector = createServer((request, response) => {
    let body = ""
    request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
    request.on("end", () => {
      received.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body })
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve))
  const address = collector.address()
  if (address === null || typeof address === "string") throw new Error("expected a TCP address")
  collectorUrl = `http://127.0.0.1:${address.port}`
})
afterAll(() => new Promise((resolve) => collector.close(resolve)))

describe("OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it("sends the service's spans to the collector over OTLP/HTTP, flushed at shutdown at the latest", async () => {
    const service = await startService({
      stores: memoryStores,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OFFLINE_TOKEN_DELAY_MS: "0" }
    })
    await readSse(
      await fetch(`${service.url}/chat/stream?prompt=${encodeURIComponent(PROMPT)}`, {
        headers: { "x-session-id": "otlp-session", "x-request-id": "req-otlp-1" }
      })
    )
    await service.close()
    const traces = received.filter((entry) => entry.path === "/v1/traces")
    expect(traces.length).toBeGreaterThan(0)
    const sent = traces.map((entry) => entry.body).join("\n")
    for (const span of ["GET /chat/stream", "StreamChat", "BuildContext", "ChatModel.stream"]) {
      expect(sent).toContain(`"name":"${span}"`)
    }
    expect(sent).toContain("req-otlp-1")
    expect(sent).toContain('"stringValue":"coachup"')
    expect(sent).not.toContain(PROMPT)
    expect(sent).not.toContain("otlp-session")
  })
})
