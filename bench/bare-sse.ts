/**
 * The baseline for the chat-stream benchmarks: a bare `node:http` server that answers every
 * request with `text/event-stream` headers and one `text-delta` event at once, then ends the
 * response or (`hold`) keeps it open. Run as a script (`node bench/bare-sse.ts hold`) it listens
 * on 127.0.0.1, any free port, logs `Listening on http://…` as a JSON line like the service, and
 * stops on SIGTERM.
 */
import { createServer, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"

const EVENT = `data: ${JSON.stringify({ type: "text-delta", id: "text-bare", delta: "Hello " })}\n\n`

export interface BareSseServer {
  readonly url: string
  readonly server: Server
  readonly close: () => Promise<void>
}

export const startBareSse = async (options: { readonly hold: boolean }): Promise<BareSseServer> => {
  const open = new Set<ServerResponse>()
  const server = createServer((_request, response) => {
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no"
    })
    if (options.hold) {
      response.write(EVENT)
      open.add(response)
      response.once("close", () => open.delete(response))
    } else {
      response.end(EVENT)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  const close = () =>
    new Promise<void>((resolve) => {
      for (const response of open) response.destroy()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return { url: `http://127.0.0.1:${port}`, server, close }
}

if (import.meta.main) {
  const bare = await startBareSse({ hold: process.argv[2] === "hold" })
  console.log(JSON.stringify({ level: "INFO", message: `Listening on ${bare.url}` }))
  process.once("SIGTERM", () => void bare.close())
}
