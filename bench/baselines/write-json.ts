import type { ServerResponse } from "node:http"

/** Answers `body` as JSON with its length, as the bare baseline servers do. */
export const writeJson = (response: ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body)
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text)
  })
  response.end(text)
}
