import { readdir } from "node:fs/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { errorEnvelope } from "../support/api-client.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService
beforeAll(async () => {
  service = await startService({ stores: memoryStores })
})
afterAll(() => service.close())

const get = (path: string) => fetch(service.url + path)

describe("the web app beside the API", () => {
  it.each(["/", "/my-sessions", "/history", "/settings", "/assessments"])(
    "serves index.html at %s",
    async (path) => {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toMatch(/^text\/html/)
      expect(await response.text()).toContain('<div id="root">')
      expect(response.headers.get("x-request-id")).not.toBeNull()
    }
  )

  it("serves the built assets with their types and long caching", async () => {
    const assets = await readdir(new URL("../../adapters/web/dist/assets/", import.meta.url))
    const script = assets.find((name) => name.endsWith(".js"))
    expect(script, "the web app is built by `npm run build:web` (npm ci's prepare step)").toBeDefined()
    const response = await get(`/assets/${script}`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toMatch(/javascript/)
    expect(response.headers.get("cache-control")).toContain("immutable")
  })

  it.each(["/assets/missing.js", "/assets/..%2F..%2Fpackage.json", "/history/extra", "/v2/messages"])(
    "answers %s with the API's 404 envelope",
    async (path) => {
      const response = await get(path)
      expect(response.status).toBe(404)
      const { error } = errorEnvelope({ status: response.status, body: await response.json() })
      expect(error.code).toBe("not_found")
    }
  )

  it.each(["/no-such-page", "/history/extra", "/settings/unknown"])(
    "answers a browser's request for the unknown page %s with the app, status 404",
    async (path) => {
      const response = await fetch(service.url + path, { headers: { accept: "text/html,*/*;q=0.8" } })
      expect(response.status).toBe(404)
      expect(response.headers.get("content-type")).toMatch(/^text\/html/)
      expect(await response.text()).toContain('<div id="root">')
    }
  )

  it.each(["/sessions/s-1/unknown", "/me/unknown", "/chat/unknown", "/assets/missing.js", "/docs/unknown"])(
    "answers a browser's request for the unknown API path %s with the 404 envelope",
    async (path) => {
      const response = await fetch(service.url + path, { headers: { accept: "text/html" } })
      expect(response.status).toBe(404)
      const { error } = errorEnvelope({ status: response.status, body: await response.json() })
      expect(error.code).toBe("not_found")
    }
  )

  it("answers an unknown path asked for as JSON, or by another method, with the 404 envelope", async () => {
    for (const init of [
      { headers: { accept: "application/json" } },
      { method: "DELETE", headers: { accept: "text/html" } }
    ]) {
      const response = await fetch(`${service.url}/no-such-page`, init)
      expect(response.status).toBe(404)
      expect(errorEnvelope({ status: response.status, body: await response.json() }).error.code).toBe(
        "not_found"
      )
    }
  })

  it("says which model answers chat turns: the offline coach here", async () => {
    expect(await service.call((client) => client.model.chatModel())).toMatchObject({
      provider: "offline",
      offline: true
    })
  })

  it("labels the app's requests by page in the request metrics", async () => {
    await get("/history")
    const metrics = await (await get("/metrics")).text()
    expect(metrics).toMatch(/coachup_http_request_duration_seconds_count\{[^}]*route="\/history"/)
  })

  it("keeps the API's own documents where they were", async () => {
    expect((await get("/openapi.json")).status).toBe(200)
    expect((await get("/docs")).status).toBe(200)
    expect((await get("/healthz")).status).toBe(200)
    expect((await get("/settings/privacy")).status).toBe(200)
  })
})
