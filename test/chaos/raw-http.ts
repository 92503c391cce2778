import { connect } from "node:net"
import { performance } from "node:perf_hooks"

/** Bytes to write to a fresh connection, `pauseMs` apart. */
export interface RawRequest {
  readonly chunks: ReadonlyArray<Buffer>
  readonly pauseMs: number
}

/** What came back on the connection. */
export interface RawAnswer {
  /** The status line's code; 0 when none came. */
  readonly status: number
  /** When the status line arrived, or the connection ended without one (ms from connecting). */
  readonly ms: number
  /** The connection ended, with or without an answer, before `waitMs`. */
  readonly ended: boolean
  readonly body: string
}

/**
 * Writes a request to a new connection on 127.0.0.1:`port` and reads until the server closes it (the
 * requests ask for `Connection: close`) or `waitMs` passes.
 */
export const exchange = (port: number, request: RawRequest, waitMs: number) =>
  new Promise<RawAnswer>((resolve) => {
    const started = performance.now()
    const socket = connect(port, "127.0.0.1")
    const received: Array<Buffer> = []
    let statusAt: number | undefined
    let finished = false
    const finish = (ended: boolean) => {
      if (finished) return
      finished = true
      clearTimeout(deadline)
      socket.destroy()
      const text = Buffer.concat(received).toString("latin1")
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0)
      const separator = text.indexOf("\r\n\r\n")
      resolve({
        status,
        ms: statusAt ?? performance.now() - started,
        ended,
        body: separator === -1 ? "" : text.slice(separator + 4)
      })
    }
    const deadline = setTimeout(() => finish(false), waitMs)
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk)
      statusAt ??= performance.now() - started
    })
    socket.on("close", () => finish(true))
    // A reset or a write after the server closed: whatever was read is the answer.
    socket.on("error", () => finish(true))
    let index = 0
    const writeNext = () => {
      if (finished || socket.destroyed || index >= request.chunks.length) return
      socket.write(request.chunks[index++]!)
      setTimeout(writeNext, request.pauseMs)
    }
    socket.once("connect", writeNext)
  })
