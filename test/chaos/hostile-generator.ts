import { HttpApi } from "@effect/platform"
import { CoachUpApi } from "../../adapters/http/api.ts"
import type { Random } from "./random.ts"
import type { RawRequest } from "./raw-http.ts"

/** A method and path template, `:sessionId` and `:groupId` still to fill. */
export interface Endpoint {
  readonly method: string
  readonly path: string
}

/** Every endpoint of the contract, and the routes served beside it (docs, the web app). */
export const endpoints: ReadonlyArray<Endpoint> = (() => {
  const found: Array<Endpoint> = []
  HttpApi.reflect(CoachUpApi, {
    onGroup: () => undefined,
    onEndpoint: ({ endpoint }) => void found.push({ method: endpoint.method, path: endpoint.path })
  })
  return [
    ...found,
    { method: "GET", path: "/" },
    { method: "GET", path: "/docs" },
    { method: "GET", path: "/openapi.json" }
  ]
})()

/** The deadlines the service runs under in this scenario, and the answer each request is due by. */
export interface Deadlines {
  readonly headersMs: number
  readonly bodyMs: number
  readonly handlerMs: number
}

export interface HostileRequest extends RawRequest {
  readonly kind: string
  /** An answer (or the connection's end) must come within this long of connecting. */
  readonly dueMs: number
}

/** Slack over a deadline: Node checks header and body deadlines every 500 ms, and the machine is shared. */
const SLACK_MS = 1500

const CONTROL = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join("") + "\u007f"

const nested = (depth: number, open: string, close: string, inner: string) =>
  open.repeat(depth) + inner + close.repeat(depth)

const MALFORMED_JSON = [
  "",
  "{",
  "}",
  "[",
  '{"sessionId":',
  '{"sessionId":"s","messageId":"m","role":"user","text":"hi"',
  "{'sessionId':'s'}",
  '{"a":1,}',
  "[1,2,]",
  "NaN",
  "undefined",
  '{"text":"\\x41"}',
  '{"text":"\\u12"}',
  '"just a string"',
  "null",
  "true",
  "123e999999",
  "\ufeff{}",
  '{"a":1}{"b":2}',
  '{"__proto__":{"polluted":true},"role":"user"}',
  '{"constructor":{"prototype":{"x":1}}}',
  "\u0000\u0001\u0002",
  '{"text":"' + "\ud800" + '"}'
]

const MULTIPART = [
  "",
  "--x\r\n",
  '--boundary\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--boundary--\r\n',
  "--boundary\r\nContent-Disposition: form-data; name=\r\n\r\n\r\n"
]

const CONTENT_TYPES = [
  "text/plain",
  "multipart/form-data; boundary=boundary",
  "multipart/form-data",
  "application/x-www-form-urlencoded",
  "application/xml",
  "application/json; charset=utf-16",
  "application/jsonx",
  "APPLICATION/JSON",
  "application/*",
  "",
  "image/png",
  "application/json\u0001"
]

const idOf = (random: Random, hostile: boolean) =>
  hostile
    ? random.pick([
        "%00",
        "%0A%0D",
        encodeURIComponent(CONTROL),
        "a".repeat(random.int(200, 8000)),
        "..%2F..%2Fetc%2Fpasswd",
        "%F0%9F%98%80",
        "%ZZ",
        "%",
        "%20",
        "null",
        "__proto__",
        "s%2Fmessages",
        encodeURIComponent("<script>alert(1)</script>"),
        encodeURIComponent("'; DROP TABLE messages; --")
      ])
    : `hostile-${random.int(0, 40)}`

const QUERIES = [
  "?limit=-1",
  "?limit=abc",
  "?limit=1e9",
  "?limit=1&limit=2",
  "?order=sideways",
  "?cursor=%00%01",
  "?for=nope",
  "?for=",
  "?prompt=",
  "?prompt=%00",
  "?=",
  "?&&&",
  "?%ZZ=1"
]

const validBody = (random: Random, endpoint: Endpoint) => {
  const sessionId = `hostile-${random.int(0, 40)}`
  if (endpoint.path === "/messages/ingest")
    return {
      sessionId,
      messageId: `v-${random.int(0, 1_000_000)}`,
      role: random.pick(["user", "assistant"]),
      text: "A valid message among hostile ones."
    }
  if (endpoint.path === "/chat/stream") return { sessionId, prompt: "Short valid prompt." }
  return { transcriptPersistenceOptOut: random.chance(0.5) }
}

const wrongTypes = (random: Random) =>
  random.pick<unknown>([
    { sessionId: 123, messageId: "m", role: "user", text: "x" },
    { sessionId: "s", messageId: { nested: true }, role: "user", text: "x" },
    { sessionId: "s", messageId: "m", role: "admin", text: "x" },
    { sessionId: "s", messageId: "m", role: "user", text: "" },
    { sessionId: "s", messageId: "m", role: "user", text: "x".repeat(40_000) },
    { sessionId: "s", messageId: "m", role: "user", text: "x", ts: -1 },
    { sessionId: "s", messageId: "m", role: "user", text: "x", ts: 8_640_000_000_000_000 },
    { sessionId: "s", messageId: "m", role: "user", text: "x", ts: "yesterday" },
    { sessionId: "s", messageId: "m", role: "user", text: "x", audioUrl: "javascript:alert(1)" },
    { transcriptPersistenceOptOut: "yes" },
    { prompt: ["a", "b"] },
    [],
    null,
    Array.from({ length: 5000 }, (_, index) => index),
    Object.fromEntries(Array.from({ length: 5000 }, (_, index) => [`k${index}`, index]))
  ])

const withControl = (random: Random) => {
  const control = random.pick([...CONTROL])
  return random.pick<unknown>([
    { sessionId: `s${control}`, messageId: "m", role: "user", text: "x" },
    { sessionId: "s", messageId: `m${control}`, role: "user", text: "x" },
    {
      sessionId: "hostile-1",
      messageId: `c-${random.int(0, 1_000_000)}`,
      role: "user",
      text: `a${CONTROL}b`
    },
    { prompt: `say ${CONTROL}`, sessionId: "hostile-2" }
  ])
}

type Builder = (
  random: Random,
  endpoint: Endpoint
) => RawRequest & {
  readonly due: keyof Deadlines
}

interface Parts {
  readonly method: string
  readonly target: string
  readonly headers?: ReadonlyArray<readonly [string, string]>
  readonly body?: string
}

const HOST_LINE = "Host: 127.0.0.1\r\n"

const requestBytes = ({ method, target, headers = [], body }: Parts) => {
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")
  const length = body === undefined ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`
  return Buffer.from(
    `${method} ${target} HTTP/1.1\r\n${HOST_LINE}Connection: close\r\n${lines}${length}\r\n${body ?? ""}`
  )
}

const once = (parts: Parts) => ({ chunks: [requestBytes(parts)], pauseMs: 0, due: "handlerMs" as const })

const targetOf = (random: Random, endpoint: Endpoint, hostileIds = false) =>
  endpoint.path.replace(/:(sessionId|groupId)/g, () => idOf(random, hostileIds))

const jsonHeaders: ReadonlyArray<readonly [string, string]> = [["Content-Type", "application/json"]]

const hasBody = (endpoint: Endpoint) => endpoint.method === "POST" || endpoint.method === "PUT"

/** The kinds of hostile request, with their weights. */
const BUILDERS: ReadonlyArray<readonly [string, number, Builder]> = [
  [
    "deep JSON",
    12,
    (random, endpoint) => {
      const depth = random.int(33, 20_000)
      const body = random.pick([
        nested(depth, "[", "]", "1"),
        nested(depth, '{"a":', "}", "1"),
        `{"sessionId":"s","messageId":"m","role":"user","text":${nested(depth, "[", "]", '"x"')}}`
      ])
      return once({
        method: hasBody(endpoint) ? endpoint.method : "POST",
        target: targetOf(random, endpoint),
        headers: jsonHeaders,
        body
      })
    }
  ],
  [
    "bad JSON",
    12,
    (random, endpoint) =>
      once({
        method: hasBody(endpoint) ? endpoint.method : "POST",
        target: targetOf(random, endpoint),
        headers: jsonHeaders,
        body: random.pick(MALFORMED_JSON)
      })
  ],
  [
    "wrong types",
    10,
    (random, endpoint) =>
      once({
        method: endpoint.method,
        target: targetOf(random, endpoint),
        headers: jsonHeaders,
        body: JSON.stringify(wrongTypes(random))
      })
  ],
  [
    "wrong content type",
    12,
    (random, endpoint) => {
      const contentType = random.pick(CONTENT_TYPES)
      const body = contentType.startsWith("multipart")
        ? random.pick(MULTIPART)
        : random.pick([JSON.stringify(validBody(random, endpoint)), "text=hello&role=user", "<xml/>", ""])
      return once({
        method: hasBody(endpoint) ? endpoint.method : "POST",
        target: targetOf(random, endpoint),
        headers: contentType === "" ? [] : [["Content-Type", contentType]],
        body
      })
    }
  ],
  [
    "control characters",
    10,
    (random, endpoint) =>
      random.chance(0.5)
        ? once({
            method: hasBody(endpoint) ? endpoint.method : "POST",
            target: targetOf(random, endpoint),
            headers: jsonHeaders,
            body: JSON.stringify(withControl(random))
          })
        : once({
            method: endpoint.method,
            target: targetOf(random, endpoint),
            headers: [
              [
                random.pick(["x-session-id", "x-user-id", "x-request-id", "x-group-id"]),
                `v${random.pick([...CONTROL.slice(1)])}x`
              ]
            ]
          })
  ],
  [
    "huge headers",
    5,
    (random, endpoint) => {
      const size = random.int(8 * 1024, 256 * 1024)
      return once({
        method: endpoint.method,
        target: targetOf(random, endpoint),
        headers: random.chance(0.5)
          ? [["x-padding", "p".repeat(size)]]
          : Array.from(
              { length: Math.floor(size / 64) },
              (_, index) => [`x-h${index}`, "h".repeat(50)] as const
            )
      })
    }
  ],
  [
    "bad ids and queries",
    12,
    (random, endpoint) =>
      once({
        method: endpoint.method,
        target:
          targetOf(random, endpoint, true) +
          (random.chance(0.5) ? random.pick(QUERIES) : `?q=${"%41".repeat(random.int(10, 5000))}`),
        ...(hasBody(endpoint)
          ? { headers: jsonHeaders, body: JSON.stringify(validBody(random, endpoint)) }
          : {})
      })
  ],
  [
    "malformed HTTP",
    5,
    (random, endpoint) => {
      const target = targetOf(random, endpoint)
      const raw = random.pick([
        `GARBAGE ${target} HTTP/1.1\r\n${HOST_LINE}\r\n`,
        `GET ${target} HTTP/9.9\r\n${HOST_LINE}\r\n`,
        `get ${target} HTTP/1.1\r\n${HOST_LINE}\r\n`,
        `GET http://evil.example${target} HTTP/1.1\r\n${HOST_LINE}\r\n`,
        `GET ${target} HTTP/1.1\r\nConnection: close\r\n\r\n`,
        `GET ${target} HTTP/1.1\r\n${HOST_LINE}No-Colon-Header\r\n\r\n`,
        `GET ${target} HTTP/1.1\r\nHost: attacker-rebind.example\r\nConnection: close\r\n\r\n`,
        `POST ${target} HTTP/1.1\r\n${HOST_LINE}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        `POST ${target} HTTP/1.1\r\n${HOST_LINE}Content-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
        `POST ${target} HTTP/1.1\r\n${HOST_LINE}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
        `POST ${target} HTTP/1.1\r\n${HOST_LINE}Content-Type: application/json\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}`,
        `\r\n\r\n\r\n`,
        `GET ${target}\r\n\r\n`,
        `${"A".repeat(20_000)} / HTTP/1.1\r\n\r\n`
      ])
      return { chunks: [Buffer.from(raw)], pauseMs: 0, due: "handlerMs" }
    }
  ],
  [
    "oversized body",
    2,
    (random, endpoint) =>
      once({
        method: hasBody(endpoint) ? endpoint.method : "POST",
        target: targetOf(random, endpoint),
        headers: jsonHeaders,
        body: JSON.stringify({
          ...validBody(random, endpoint),
          text: "x".repeat(random.int(300_000, 1_000_000))
        })
      })
  ],
  [
    "slow body",
    0.5,
    (random, endpoint) => {
      const body = JSON.stringify(validBody(random, endpoint))
      const head = requestBytes({
        method: "POST",
        target: targetOf(random, endpoint),
        headers: jsonHeaders,
        body
      })
      const headOnly = head.subarray(0, head.length - Buffer.byteLength(body))
      return {
        chunks: [headOnly, ...Array.from(body, (char) => Buffer.from(char))],
        pauseMs: 300,
        due: "bodyMs"
      }
    }
  ],
  [
    "slow headers",
    0.5,
    (random, endpoint) => {
      const bytes = requestBytes({
        method: endpoint.method,
        target: targetOf(random, endpoint),
        headers: [["x-slow", "s".repeat(40)]]
      })
      return {
        chunks: Array.from({ length: Math.ceil(bytes.length / 4) }, (_, index) =>
          bytes.subarray(index * 4, index * 4 + 4)
        ),
        pauseMs: 200,
        due: "headersMs"
      }
    }
  ],
  [
    "unknown routes and methods",
    5,
    (random, endpoint) =>
      once({
        method: random.pick(["PATCH", "TRACE", "OPTIONS", "HEAD", "DELETE", "CONNECT", "PROPFIND"]),
        target: random.pick([
          targetOf(random, endpoint),
          "/nowhere",
          "/sessions",
          "/messages",
          "/../../etc/passwd",
          "/%2e%2e/",
          "*"
        ])
      })
  ],
  [
    "valid",
    13,
    (random, endpoint) =>
      once({
        method: endpoint.method,
        target:
          targetOf(random, endpoint) +
          (endpoint.path === "/chat/stream" && endpoint.method === "GET" ? "?prompt=hello" : "") +
          (endpoint.path.endsWith("/context") ? "?for=chat" : ""),
        headers: [
          ...(endpoint.path === "/chat/stream" && endpoint.method === "GET"
            ? [["x-session-id", "hostile-3"] as const]
            : []),
          ...(hasBody(endpoint) ? jsonHeaders : [])
        ],
        ...(hasBody(endpoint) ? { body: JSON.stringify(validBody(random, endpoint)) } : {})
      })
  ]
]

const totalWeight = BUILDERS.reduce((sum, [, weight]) => sum + weight, 0)

/** One hostile request at a seeded random: its kind by weight, over a random endpoint. */
export const hostileRequest = (random: Random, deadlines: Deadlines): HostileRequest => {
  let draw = random.next() * totalWeight
  const [kind, , build] = BUILDERS.find(([, weight]) => (draw -= weight) < 0) ?? BUILDERS.at(-1)!
  const endpoint = random.pick(endpoints)
  const { due, ...request } = build(random, endpoint)
  return { kind, ...request, dueMs: deadlines[due] + SLACK_MS }
}
