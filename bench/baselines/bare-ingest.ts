/**
 * The bare ingest baseline: `node:http` and `node:sqlite`, no framework. POST /messages/ingest takes
 * the service's payload (checked by hand), makes the same write (./ingest-table.ts) and answers the
 * same JSON. `node bench/baselines/bare-ingest.ts <database file>` listens on 127.0.0.1, any free
 * port, logs `Listening on http://…` as a JSON line and stops on SIGTERM.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { isBaselineMessage, logListening, openIngestTable } from "./ingest-table.ts"
import { writeJson } from "./write-json.ts"

const ingest = openIngestTable(process.argv[2] ?? "bare-ingest.sqlite")

const server = createServer((request, response) => {
  if (request.method !== "POST" || request.url !== "/messages/ingest") return writeJson(response, 404, {})
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    let payload: unknown
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString())
    } catch {
      return writeJson(response, 400, { error: "invalid_json" })
    }
    if (!isBaselineMessage(payload)) return writeJson(response, 400, { error: "invalid_request" })
    writeJson(response, 200, ingest(payload))
  })
})

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  logListening(`http://127.0.0.1:${port}`)
})
process.once("SIGTERM", () => {
  server.close()
  server.closeAllConnections()
})
