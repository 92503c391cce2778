import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import * as Scripted from "../support/scripted-chat-model.ts"
import { type Script, ScriptedChatModel } from "../support/scripted-chat-model.ts"
import { startService, type TestService } from "../support/service.ts"
import { readSse } from "../support/sse-client.ts"

const CAPS = {
  CHAT_MAX_STREAMS: "3",
  CHAT_MAX_STREAMS_PER_USER: "2",
  RATE_LIMIT_CHAT_PER_USER_PER_MINUTE: "1000",
  RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "1000"
}

/** Polls until `check` passes, within 5 s. */
const eventually = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 5_000, interval: 20 })

interface OpenStream {
  readonly response: Response
  /** Goes away as a closed browser tab does: the reply runs on. */
  readonly disconnect: () => void
  /** Goes away and stops the reply, as the web app's Stop does. */
  readonly stop: () => Promise<void>
}

const streamsOf = (service: TestService<ScriptedChatModel>) => {
  let sessions = 0
  const open = async (userId: string): Promise<OpenStream> => {
    const controller = new AbortController()
    sessions += 1
    const sessionId = `${userId}-${sessions}`
    const response = await fetch(`${service.url}/chat/stream?prompt=hello`, {
      signal: controller.signal,
      headers: { "x-user-id": userId, "x-session-id": sessionId }
    })
    const disconnect = () => controller.abort()
    const stop = async () => {
      disconnect()
      await fetch(`${service.url}/chat/${sessionId}/stream`, {
        method: "DELETE",
        headers: { "x-user-id": userId }
      })
    }
    return { response, disconnect, stop }
  }
  const script = (next: Script) =>
    service.run(Effect.flatMap(ScriptedChatModel, (model) => model.setScript(next)))
  const modelCalls = () =>
    service.run(Effect.flatMap(ScriptedChatModel, (model) => model.calls)).then((calls) => calls.length)
  /** Waits until the user can open `count` streams at once again; stops them. */
  const canOpen = (userId: string, count: number) =>
    eventually(async () => {
      const streams: Array<OpenStream> = []
      for (let i = 0; i < count; i++) streams.push(await open(userId))
      for (const stream of streams) await stream.stop()
      expect(streams.map((stream) => stream.response.status)).toEqual(Array(count).fill(200))
    })
  const refusals = async (reason: string) =>
    total(
      parseSamples((await service.request("GET", "/metrics")).text),
      "coachup_http_overload_refusals_total",
      {
        reason
      }
    )
  return { open, canOpen, script, modelCalls, refusals }
}

describe("chat stream caps", () => {
  let service: TestService<ScriptedChatModel>
  beforeAll(async () => {
    service = await startService({ stores: memoryStores, chatModel: Scripted.layer, env: CAPS })
  })
  afterAll(() => service.close())

  it("answers 429 past the user's cap and 503 past the global one, with Retry-After, the envelope and a count", async () => {
    const { open, canOpen, script, modelCalls, refusals } = streamsOf(service)
    await script({ deltas: [], silent: true })
    const held = [await open("ada"), await open("ada")]
    expect(held.map((stream) => stream.response.status)).toEqual([200, 200])
    const callsBefore = await modelCalls()

    const perUser = await open("ada")
    expect(perUser.response.status).toBe(429)
    expect(perUser.response.headers.get("retry-after")).toBe("3")
    expect(await perUser.response.json()).toMatchObject({
      error: { code: "too_many_streams_per_user", requestId: perUser.response.headers.get("x-request-id") }
    })

    held.push(await open("grace"))
    expect(held[2]!.response.status).toBe(200)
    const global = await open("linus")
    expect(global.response.status).toBe(503)
    expect(global.response.headers.get("retry-after")).toBe("3")
    expect(await global.response.json()).toMatchObject({
      error: { code: "too_many_streams", requestId: global.response.headers.get("x-request-id") }
    })
    expect(await refusals("streams_per_user")).toBe(1)
    expect(await refusals("streams")).toBe(1)
    // Refused streams never reached the model.
    expect(await modelCalls()).toBe(callsBefore + 1)

    for (const stream of held) await stream.stop()
    await canOpen("ada", 2)
  })

  it("keeps a slot while a reply runs on after its client left, and gives it back when the reply stops", async () => {
    const { open, canOpen, script } = streamsOf(service)
    await script({ deltas: [], silent: true })
    const left = [await open("hopper"), await open("hopper")]
    for (const stream of left) stream.disconnect()
    // A client that leaves at once does not free its slot: its reply still runs, and counts.
    expect((await open("hopper")).response.status).toBe(429)
    for (const stream of left) await stream.stop()
    // Each round fills the user's two slots and stops them: none may stay taken by a reply stopped.
    for (let round = 0; round < 5; round++) await canOpen("hopper", 2)
  })

  it("gives a slot back when the stream ends, completed or failed", async () => {
    const { open, script } = streamsOf(service)
    for (const next of [{ deltas: ["Done."] }, { deltas: ["Half"], failWith: "unavailable" as const }]) {
      await script(next)
      for (let i = 0; i < 3; i++) {
        const read = await readSse((await open("turing")).response)
        expect(read.status).toBe(200)
        expect(read.events.at(-1)).toBe("[DONE]")
      }
    }
  })

  it("declares both refusals, with Retry-After, in the OpenAPI document", async () => {
    const spec = (await service.request("GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>
    }
    for (const method of ["get", "post"]) {
      const responses = spec.paths["/chat/stream"]![method]!.responses
      for (const status of ["429", "503"]) {
        expect(responses[status]?.headers).toHaveProperty("Retry-After")
      }
    }
    expect(spec.paths["/messages/ingest"]!["post"]!.responses["503"]?.headers).toHaveProperty("Retry-After")
  })
})

describe("a chat stream past its deadline", () => {
  let service: TestService<ScriptedChatModel>
  beforeAll(async () => {
    service = await startService({
      stores: memoryStores,
      chatModel: Scripted.layer,
      env: { ...CAPS, CHAT_IDLE_TIMEOUT_MS: "200" }
    })
  })
  afterAll(() => service.close())

  it("gives its slot back when the turn times out", async () => {
    const { open, canOpen, script } = streamsOf(service)
    await script({ deltas: [], silent: true })
    for (let i = 0; i < 3; i++) {
      const read = await readSse((await open("knuth")).response)
      expect(read.events.at(-2)).toMatchObject({
        type: "error",
        errorText: expect.stringContaining("timeout")
      })
    }
    await canOpen("knuth", 2)
  })
})
