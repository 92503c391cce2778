import { connect } from "node:net"
import { Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CoachUpApi } from "../../adapters/http/api.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { HttpApi } from "@effect/platform"
import { startService, type TestService } from "../support/service.ts"

/** Every log line the service writes, as JSON. */
const logged: Array<string> = []
const recordingLogs = Logger.replace(
  Logger.defaultLogger,
  Logger.map(Logger.jsonLogger, (line) => void logged.push(line))
)

const MAX_BODY_BYTES = 8192
let service: TestService
beforeAll(async () => {
  service = await startService({
    stores: memoryStores,
    env: {
      MAX_BODY_BYTES: String(MAX_BODY_BYTES),
      HEADERS_TIMEOUT_MS: "500",
      BODY_TIMEOUT_MS: "1000",
      OFFLINE_TOKEN_DELAY_MS: "0",
      RATE_LIMIT_UNAUTHENTICATED_PER_ADDRESS_PER_MINUTE: "100000",
      RATE_LIMIT_INGEST_PER_USER_PER_MINUTE: "100000",
      RATE_LIMIT_INGEST_PER_SESSION_PER_MINUTE: "100000",
      RATE_LIMIT_CHAT_PER_USER_PER_MINUTE: "100000",
      RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "100000"
    },
    logging: recordingLogs
  })
})
afterAll(() => service.close())

const valid = { sessionId: "hostile-1", messageId: "h1", role: "user", text: "hello" }

const errorLines = () => logged.filter((line) => /"logLevel":"(ERROR|FATAL)"/.test(line))

interface RawReply {
  readonly status: number
  readonly head: string
  readonly body: string
}

/**
 * Writes `chunks` to a fresh connection (`pauseMs` apart) and reads until the server closes it, or
 * until `waitMs` passes.
 */
const rawExchange = (chunks: ReadonlyArray<string>, options: { pauseMs?: number; waitMs?: number } = {}) =>
  new Promise<RawReply>((resolve, reject) => {
    const socket = connect(Number(new URL(service.url).port), "127.0.0.1")
    let received = ""
    const finish = () => {
      clearTimeout(deadline)
      const [head = "", body = ""] = received.split("\r\n\r\n", 2)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body })
    }
    const deadline = setTimeout(() => {
      socket.destroy()
      finish()
    }, options.waitMs ?? 5000)
    socket.setEncoding("latin1")
    socket.on("data", (chunk: string) => (received += chunk))
    socket.on("close", finish)
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNRESET" ? finish() : reject(error)
    )
    let index = 0
    const writeNext = () => {
      if (index >= chunks.length || socket.destroyed) return
      socket.write(chunks[index++]!)
      setTimeout(writeNext, options.pauseMs ?? 0)
    }
    writeNext()
  })

const expectEnvelope = (reply: { readonly body: string }, code: string) =>
  expect(JSON.parse(reply.body)).toMatchObject({ error: { code, requestId: expect.any(String) } })

describe("bodies refused before they are decoded", () => {
  it("JSON nested thousands of levels deep: 400 with the envelope, no error logged", async () => {
    const deep = `{"sessionId":"hostile-1","messageId":"d1","role":"user","text":${"[".repeat(2500)}${"]".repeat(2500)}}`
    const reply = await service.request("POST", "/messages/ingest", { raw: deep })
    expect(reply.status).toBe(400)
    expect(reply.body).toMatchObject({ error: { code: "invalid_request" } })
    expect(errorLines()).toEqual([])
  })

  it("brackets inside strings do not count as nesting", async () => {
    const reply = await service.request("POST", "/messages/ingest", {
      body: { ...valid, messageId: "brackets", text: "[".repeat(100) + "{".repeat(100) }
    })
    expect(reply.status).toBe(200)
  })

  it("a body far over the size limit: 413 with the envelope", async () => {
    const reply = await service.request("POST", "/messages/ingest", {
      raw: JSON.stringify({ ...valid, text: "x".repeat(MAX_BODY_BYTES * 50) })
    })
    expect(reply.status).toBe(413)
    expect(reply.body).toMatchObject({ error: { code: "payload_too_large" } })
  })

  it("control characters in fields are answered, never a 5xx", async () => {
    const control = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join("")
    const replies = await Promise.all([
      service.request("POST", "/messages/ingest", {
        body: { ...valid, messageId: "ctl", text: `a${control}b` }
      }),
      service.request("POST", "/messages/ingest", { body: { ...valid, sessionId: `s${control}` } }),
      service.request("POST", "/messages/ingest", { body: { ...valid, messageId: `m${control}` } }),
      service.request("GET", `/sessions/${encodeURIComponent(control)}/messages`)
    ])
    expect(replies.map((reply) => reply.status)).toEqual([200, 400, 400, 400])
  })

  it("a ts more than MAX_CLOCK_SKEW_MS ahead is refused; one within it is taken", async () => {
    const far = await service.request("POST", "/messages/ingest", {
      body: { ...valid, messageId: "future", ts: 8_640_000_000_000_000 }
    })
    expect(far.status).toBe(400)
    expect(far.body).toMatchObject({
      error: { code: "invalid_request", message: expect.stringMatching(/^ts:/) }
    })
    const near = await service.request("POST", "/messages/ingest", {
      body: { ...valid, messageId: "near-future", ts: Date.now() + 60_000 }
    })
    expect(near.status).toBe(200)
  })
})

describe("requests Node's parser refuses, answered with the envelope", () => {
  it("a bad request line: 400", async () => {
    const reply = await rawExchange(["GET /healthz NOT-HTTP\r\n\r\n"])
    expect(reply.status).toBe(400)
    expectEnvelope(reply, "malformed_request")
  })

  it("headers over the size limit: 431", async () => {
    const reply = await rawExchange([
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${"a".repeat(20_000)}\r\n\r\n`
    ])
    expect(reply.status).toBe(431)
    expectEnvelope(reply, "headers_too_large")
  })
})

describe("deadlines", () => {
  it("headers that trickle in past HEADERS_TIMEOUT_MS: 408, connection closed", async () => {
    const started = Date.now()
    const reply = await rawExchange(["GET /healthz HTTP/1.1\r\n", ...Array(40).fill("X-Slow: 1\r\n")], {
      pauseMs: 100
    })
    expect(reply.status).toBe(408)
    expectEnvelope(reply, "request_timeout")
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it("a body dripped past BODY_TIMEOUT_MS: 408, connection closed", async () => {
    const body = JSON.stringify({ ...valid, messageId: "slow" })
    const started = Date.now()
    const reply = await rawExchange(
      [
        `POST /messages/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        ...body.split("")
      ],
      { pauseMs: 100 }
    )
    expect(reply.status).toBe(408)
    expectEnvelope(reply, "request_timeout")
    expect(Date.now() - started).toBeLessThan(3000)
  })
})

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const endpoints: Array<{ readonly method: string; readonly path: string }> = []
HttpApi.reflect(CoachUpApi, {
  onGroup: () => {},
  onEndpoint: ({ endpoint }) => void endpoints.push({ method: endpoint.method, path: endpoint.path })
})

describe("generated hostile requests over every endpoint", () => {
  const SEED = 1512
  const COUNT = 300
  const random = seeded(SEED)
  const pick = <A>(items: ReadonlyArray<A>): A => items[Math.floor(random() * items.length)]!
  const control = () => String.fromCharCode(Math.floor(random() * 32))
  const strings = [
    () => "",
    () => " ",
    () => control().repeat(1 + Math.floor(random() * 5)),
    () => "x".repeat(Math.floor(random() * 40_000)),
    () => "../../etc/passwd",
    () => "\u202e\ud800\uffff",
    () => "hostile-" + Math.floor(random() * 5)
  ]
  const values: Array<() => unknown> = [
    () => pick(strings)(),
    () => null,
    () => random() * 1e308,
    () => -1,
    () => true,
    () => [],
    () => ({ __proto__: { polluted: true } }),
    () => JSON.parse(`${"[".repeat(60)}${"]".repeat(60)}`)
  ]
  const fields = ["sessionId", "messageId", "role", "text", "ts", "groupId", "audioUrl", "prompt", "mode"]
  const bodies: Array<() => string> = [
    () => JSON.stringify(Object.fromEntries(fields.map((field) => [field, pick(values)()]))),
    () =>
      JSON.stringify({
        ...valid,
        messageId: `gen-${Math.floor(random() * 1e9)}`,
        [pick(fields)]: pick(values)()
      }),
    () => "[".repeat(5000),
    () => "{".repeat(100) + "}".repeat(100),
    () => pick(strings)(),
    () => '{"a":' + "1".repeat(10_000) + "}"
  ]
  const contentTypes = [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "multipart/form-data; boundary=x"
  ]
  /** A path segment: an encoded hostile string (lone surrogates replaced), or bytes that are not UTF-8. */
  const segment = () =>
    random() < 0.1
      ? "%ff%fe%c0%af"
      : encodeURIComponent(
          pick(strings)()
            .slice(0, 300)
            .replace(/[\ud800-\udfff]/g, "\ufffd")
        ) || "x"

  it(`${COUNT} requests, seed ${SEED}: no 5xx, every failure an envelope, no error logged`, async () => {
    const requests = Array.from({ length: COUNT }, () => {
      const endpoint = pick(endpoints)
      const path =
        endpoint.path.replace(/:[A-Za-z]+/g, segment) +
        (random() < 0.3 ? `?prompt=${segment()}&limit=${segment()}` : "")
      const hasBody = endpoint.method !== "GET" && endpoint.method !== "DELETE"
      const headers: Record<string, string> = {
        "x-session-id": segment().slice(0, 200),
        "x-user-id": segment().slice(0, 200)
      }
      if (hasBody) headers["content-type"] = pick(contentTypes)
      return { method: endpoint.method, path, headers, ...(hasBody ? { body: pick(bodies)() } : {}) }
    })
    const statuses: Array<number> = []
    for (let start = 0; start < requests.length; start += 10) {
      const batch = requests.slice(start, start + 10)
      const replies = await Promise.all(
        batch.map(async (request) => {
          const response = await fetch(service.url + request.path, request)
          const text = await response.text()
          if (response.status >= 400) {
            expect(JSON.parse(text), `${request.method} ${request.path}`).toMatchObject({
              error: { code: expect.any(String) }
            })
          }
          return response.status
        })
      )
      statuses.push(...replies)
    }
    expect(statuses.filter((status) => status >= 500)).toEqual([])
    expect(errorLines()).toEqual([])
  }, 60_000)
})
