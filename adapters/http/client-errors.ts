import { randomUUID } from "node:crypto"
import { STATUS_CODES, type ServerResponse } from "node:http"
import type { Duplex } from "node:stream"

/** The status and code each of Node's own request rejections is answered with. */
const answerFor = (code: string | undefined) => {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, code: "headers_too_large", message: "the request headers exceed the size limit" }
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        code: "request_timeout",
        message: "the request's headers or body did not arrive in time"
      }
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return { status: 413, code: "payload_too_large", message: "a chunk extension exceeds the size limit" }
    default:
      return { status: 400, code: "malformed_request", message: "the request is not valid HTTP/1.1" }
  }
}

/**
 * The server's `clientError` hook: a request Node's parser refused (a bad request line, oversized
 * headers) or one that missed its header or body deadline is answered with the error envelope, as
 * every other failure is, and its connection closed. Nothing is written once a response on the
 * connection has begun, and a reset connection gets no answer.
 */
export const answerClientError = (error: Error & { readonly code?: string }, socket: Duplex) => {
  const inFlight = (socket as Duplex & { readonly _httpMessage?: ServerResponse | null })._httpMessage
  if (error.code !== "ECONNRESET" && socket.writable && !(inFlight?.headersSent ?? false)) {
    const answer = answerFor(error.code)
    const requestId = randomUUID()
    const body = JSON.stringify({ error: { code: answer.code, message: answer.message, requestId } })
    socket.write(
      `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}\r\n` +
        "content-type: application/json\r\n" +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `x-request-id: ${requestId}\r\n` +
        "connection: close\r\n\r\n" +
        body
    )
  }
  socket.destroy()
}
