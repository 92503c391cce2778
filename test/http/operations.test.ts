import { execFile } from "node:child_process"
import { mkdtemp, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { PrivacySettingsStore } from "../../application/ports/privacy-settings-store.ts"
import type { TranscriptStore } from "../../application/ports/transcript-store.ts"
import { memoryStores } from "../../bootstrap/layers.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { startService, type TestService } from "../support/service.ts"

let service: TestService<TranscriptStore | PrivacySettingsStore>
beforeAll(async () => {
  service = await startService({ stores: memoryStores })
})
afterAll(() => service.close())

/** The parts of the OpenAPI document these tests read. */
const decodeOpenApiDocument = Schema.decodeUnknownSync(
  Schema.Struct({
    openapi: Schema.String,
    paths: Schema.Record({ key: Schema.String, value: Schema.Unknown })
  })
)

describe("operations endpoints", () => {
  it("answers health and readiness", async () => {
    expect(await service.call((client) => client.operations.healthz())).toEqual({ status: "ok" })
    expect(await service.call((client) => client.operations.readyz())).toEqual({ status: "ready" })
  })

  it("exports persistence metrics and request durations by route pattern, never by raw path", async () => {
    const before = (await service.request("GET", "/metrics")).text
    await service.request("POST", "/messages/ingest", {
      body: { sessionId: "ops-1", messageId: "ops-1-a", role: "user", text: "hi" }
    })
    await service.request("POST", "/messages/ingest", {
      body: { sessionId: "ops-1", messageId: "ops-1-a", role: "user", text: "hi" }
    })
    await service.request("PUT", "/sessions/ops-2/privacy", { body: { transcriptPersistenceOptOut: true } })
    await service.request("POST", "/messages/ingest", {
      body: { sessionId: "ops-2", messageId: "ops-2-a", role: "user", text: "hi" }
    })
    await service.request("GET", "/sessions/ops-1/messages")
    const metrics = await service.request("GET", "/metrics")
    expect(metrics.headers.get("content-type")).toContain("text/plain")
    const after = metrics.text
    const moved = (name: string, labels: Record<string, string> = {}) =>
      total(parseSamples(after), name, labels) - total(parseSamples(before), name, labels)
    expect(moved("coachup_transcript_persist_total", { outcome: "inserted", role: "user" })).toBe(1)
    expect(moved("coachup_transcript_persist_total", { outcome: "duplicate", role: "user" })).toBe(1)
    expect(moved("coachup_persist_skipped_privacy_total")).toBe(1)
    expect(moved("coachup_transcript_persist_seconds_count")).toBe(2)
    expect(moved("coachup_store_query_seconds_count", { op: "append" })).toBe(2)
    expect(
      moved("coachup_http_request_duration_seconds_count", { route: "/messages/ingest", status: "200" })
    ).toBe(3)
    expect(after).toContain('route="/sessions/:sessionId/messages"')
    expect(after).not.toContain("ops-1")
    expect(after).toMatch(/# HELP coachup_transcript_persist_total /)
  })

  it("serves the API reference page and the OpenAPI document", async () => {
    const docs = await service.request("GET", "/docs")
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toContain("text/html")
    const spec = decodeOpenApiDocument((await service.request("GET", "/openapi.json")).body)
    expect(spec.openapi).toMatch(/^3\.1/)
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        "/messages/ingest",
        "/sessions/{sessionId}/messages",
        "/sessions/{sessionId}/context",
        "/settings/privacy",
        "/sessions",
        "/me/export",
        "/me",
        "/metrics"
      ])
    )
  })

  it("says in the OpenAPI document how a chat's context is chosen and what x-group-id is for", async () => {
    const spec = Schema.decodeUnknownSync(
      Schema.Struct({
        paths: Schema.Struct({
          "/chat/stream": Schema.Struct({
            get: Schema.Struct({
              parameters: Schema.Array(
                Schema.Struct({ name: Schema.String, required: Schema.Boolean, description: Schema.String })
              )
            })
          }),
          "/sessions/{sessionId}/context": Schema.Struct({
            get: Schema.Struct({ description: Schema.String })
          })
        })
      })
    )((await service.request("GET", "/openapi.json")).body)
    const header = (name: string) => spec.paths["/chat/stream"].get.parameters.find((p) => p.name === name)
    expect(header("x-session-id")).toMatchObject({ required: true })
    expect(header("x-group-id")).toMatchObject({
      required: false,
      description: expect.stringMatching(/^Metadata only/)
    })
    const rules = spec.paths["/sessions/{sessionId}/context"].get.description
    for (const rule of [
      "CHAT_CONTEXT_LIMIT",
      "selected by session only",
      "ordered by ts",
      "in-memory transcript"
    ])
      expect(rules).toContain(rule)
  })

  it("serves an OpenAPI document that passes redocly lint", async () => {
    const dir = await mkdtemp(join(tmpdir(), "coachup-openapi-"))
    const file = join(dir, "openapi.json")
    await writeFile(file, (await service.request("GET", "/openapi.json")).text)
    const cli = join(process.cwd(), "node_modules", "@redocly", "cli", "bin", "cli.js")
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [cli, "lint", file, "--format=summary"],
      {
        env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" }
      }
    )
    expect(stdout + stderr).toContain("Your API description is valid")
  }, 60_000)
})
