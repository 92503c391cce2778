import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { SessionId } from "../../domain/ids.ts"
import { startService, type TestService } from "../support/service.ts"

const APP_ORIGIN = "https://app.coachup.test"

let service: TestService<TranscriptStore>
let withCors: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores })
  withCors = await startService({ stores: memoryStores, env: { CORS_ORIGINS: APP_ORIGIN } })
})
afterAll(async () => {
  await service.close()
  await withCors.close()
})

const message = { sessionId: "edge-1", messageId: "edge-m1", role: "user", text: "hello" }

/** One request through node:http, which sends the Host header it is given. */
const raw = (url: string, options: { method?: string; headers?: Record<string, string>; body?: string }) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>(
    (resolve, reject) => {
      const outgoing = httpRequest(
        url,
        { method: options.method ?? "GET", headers: options.headers },
        (response) => {
          let body = ""
          response.setEncoding("utf8")
          response.on("data", (chunk: string) => (body += chunk))
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body })
          )
        }
      )
      outgoing.on("error", reject)
      outgoing.end(options.body)
    }
  )

const corsHeaders = (headers: Record<string, unknown>) =>
  Object.keys(headers).filter((name) => name.startsWith("access-control-"))

describe("request bodies other than JSON: 415 before the body is read", () => {
  const bodies: ReadonlyArray<readonly [string, string, string]> = [
    ["form-encoded", "application/x-www-form-urlencoded", new URLSearchParams(message).toString()],
    [
      "multipart",
      "multipart/form-data; boundary=x",
      `--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--x--\r\n`
    ],
    ["multipart with an empty body", "multipart/form-data; boundary=x", ""],
    ["text/plain", "text/plain;charset=UTF-8", JSON.stringify(message)],
    ["JSON in another charset", "application/json; charset=iso-8859-1", JSON.stringify(message)]
  ]
  it.each(bodies)("%s", async (_, contentType, body) => {
    for (const path of ["/messages/ingest", "/chat/stream"]) {
      const reply = await service.request("POST", path, {
        raw: body,
        headers: { "content-type": contentType }
      })
      expect(reply.status).toBe(415)
      expect(reply.body).toMatchObject({
        error: { code: "unsupported_media_type", requestId: reply.headers.get("x-request-id") }
      })
    }
  })

  it("a POST with no content type", async () => {
    const reply = await raw(`${service.url}/messages/ingest`, { method: "POST" })
    expect(reply.status).toBe(415)
  })

  it("answers at once when the body never arrives", async () => {
    const { port } = new URL(service.url)
    const socket = connect(Number(port), "127.0.0.1")
    const started = Date.now()
    const head = await new Promise<string>((resolve, reject) => {
      let received = ""
      socket.setEncoding("utf8")
      socket.on("data", (chunk: string) => {
        received += chunk
        if (received.includes("\r\n\r\n")) resolve(received)
      })
      socket.on("error", reject)
      socket.write(
        "POST /messages/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n"
      )
    })
    socket.destroy()
    expect(head).toMatch(/^HTTP\/1\.1 415 /)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it("accepts application/json with a utf-8 charset", async () => {
    const reply = await service.request("POST", "/messages/ingest", {
      raw: JSON.stringify({ ...message, messageId: "edge-json" }),
      headers: { "content-type": "application/json; charset=utf-8" }
    })
    expect(reply.status).toBe(200)
  })

  it("stored none of the refused bodies", async () => {
    const items = await service.run(
      Effect.flatMap(TranscriptStore, (store) => store.lastN(SessionId.make("edge-1"), 10))
    )
    expect(items.map((item) => item.messageId)).toEqual(["edge-json"])
  })
})

describe("the Host header", () => {
  it("an HTTP/1.1 request without one is refused with 421 and the envelope, not Node's bare 400", async () => {
    const { port } = new URL(service.url)
    const socket = connect(Number(port), "127.0.0.1")
    const reply = await new Promise<string>((resolve, reject) => {
      let received = ""
      socket.setEncoding("utf8")
      socket.on("data", (chunk: string) => (received += chunk))
      socket.on("end", () => resolve(received))
      socket.on("error", reject)
      socket.write("GET /sessions HTTP/1.1\r\nConnection: close\r\n\r\n")
    })
    expect(reply).toMatch(/^HTTP\/1\.1 421 /)
    expect(reply).toContain('"code":"host_not_allowed"')
  })

  it("a foreign host (a DNS-rebinding page) is refused with 421 and the envelope", async () => {
    const reply = await raw(`${service.url}/sessions/edge-1/messages`, {
      headers: { host: "attacker-rebind.example" }
    })
    expect(reply.status).toBe(421)
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: "host_not_allowed" } })
    expect(reply.body).not.toContain("hello")
  })

  it.each(["localhost", "127.0.0.1", "[::1]"])("%s, with any port, is served in local mode", async (host) => {
    const reply = await raw(`${service.url}/healthz`, { headers: { host: `${host}:8080` } })
    expect(reply.status).toBe(200)
  })
})

describe("CORS", () => {
  const preflight = (target: TestService, origin: string) =>
    raw(`${target.url}/messages/ingest`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"
      }
    })

  it("is off by default: no CORS headers for any origin", async () => {
    expect(corsHeaders((await preflight(service, APP_ORIGIN)).headers)).toEqual([])
    const get = await raw(`${service.url}/healthz`, { headers: { origin: APP_ORIGIN } })
    expect(corsHeaders(get.headers)).toEqual([])
  })

  it("a preflight from an unlisted origin gets no CORS headers", async () => {
    expect(corsHeaders((await preflight(withCors, "https://evil.example")).headers)).toEqual([])
    const get = await raw(`${withCors.url}/healthz`, { headers: { origin: "https://evil.example" } })
    expect(corsHeaders(get.headers)).toEqual([])
  })

  it("a listed origin gets its preflight answered and may read responses", async () => {
    const answer = await preflight(withCors, APP_ORIGIN)
    expect(answer.status).toBe(204)
    expect(answer.headers["access-control-allow-origin"]).toBe(APP_ORIGIN)
    expect(answer.headers["access-control-allow-methods"]).toContain("POST")
    expect(answer.headers["access-control-allow-headers"]).toContain("authorization")
    expect(answer.headers["access-control-allow-headers"]).toContain("content-type")
    expect(answer.headers["access-control-allow-credentials"]).toBeUndefined()
    const get = await raw(`${withCors.url}/healthz`, { headers: { origin: APP_ORIGIN } })
    expect(get.headers["access-control-allow-origin"]).toBe(APP_ORIGIN)
    expect(get.headers["access-control-expose-headers"]).toContain("x-request-id")
  })
})
