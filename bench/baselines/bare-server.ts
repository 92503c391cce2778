/**
 * The bare ingest server's `node:http` part: POST /messages/ingest with the service's payload, read
 * and checked by hand, handed to `ingest` with the response to answer; listens on 127.0.0.1, any free
 * port, logs `Listening on http://…` as a JSON line and stops on SIGTERM. The bare baseline answers at
 * once; the runtime rung of the ladder answers from an Effect fiber.
 */
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { type BaselineMessage, isBaselineMessage, logListening } from "./ingest-table.ts"
import { writeJson } from "./write-json.ts"

export const serveBareIngest = (ingest: (payload: BaselineMessage, response: ServerResponse) => void) => {
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
      ingest(payload, response)
    })
  })
  server.listen(0, "127.0.0.1", () => {
    logListening(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  })
  process.once("SIGTERM", () => {
    server.close()
    server.closeAllConnections()
  })
}
