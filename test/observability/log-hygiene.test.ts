import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createHash } from "node:crypto"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults } from "../support/faulty-stores.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { MARKERS, runWorkload } from "../support/scripted-workload.ts"
import { startService } from "../support/service.ts"

const SALT = "log-hygiene-salt"

interface LogLine {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Record<string, unknown>
}

let child: ChildProcess
let dataDir: string
let stdout = ""
let stderr = ""
let url: string

/** `npm start` as an operator runs it: its own process, the JSON logger, logs on stdout. */
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "coachup-logs-"))
  child = spawn(process.execPath, ["bootstrap/main.ts", "serve"], {
    env: {
      PATH: process.env["PATH"] ?? "",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      ID_HASH_SALT: SALT,
      OFFLINE_TOKEN_DELAY_MS: "0",
      LOG_LEVEL: "INFO"
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
  url = await vi.waitFor(
    () => {
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
      if (listening === null) throw new Error(`the service did not start:\n${stdout}\n${stderr}`)
      return listening[1]!
    },
    { timeout: 20_000, interval: 50 }
  )
})

/** Stops the service; resolves once its output is closed, every line of it read. */
const stop = async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const closed = once(child, "close")
    child.kill("SIGTERM")
    await closed
  }
}

afterAll(async () => {
  await stop()
  await rm(dataDir, { recursive: true, force: true })
})

const hashed = (id: string) => createHash("sha256").update(`${SALT}:${id}`).digest("hex").slice(0, 16)

describe("the service's logs during the scripted workload", () => {
  it("are JSON lines with each request's id, hashed session ids, and no message text or raw ids", async () => {
    const { requests, reply } = await runWorkload(url, { run: "logs" })
    const chatRequest = requests.find((request) => request.route === "/chat/stream")!
    // The turn's line and the prompt's background classification come just after `[DONE]`; once
    // stopped, the service has written every line it will.
    await vi.waitFor(() => expect(stdout).toContain('"chat turn"'), { timeout: 5_000, interval: 50 })
    await stop()

    const lines = stdout.trim().split("\n")
    const parsed = lines.map((line) => JSON.parse(line) as LogLine)
    expect(stderr).toBe("")

    for (const secret of [MARKERS.text, "Quokka", reply, ...Object.values(MARKERS)]) {
      expect(stdout).not.toContain(secret)
    }

    for (const request of requests) {
      expect(request.requestId).not.toBe("")
      // An assessment is logged by a worker, later, under the id of the request that queued it: no route.
      const own = parsed.filter(
        (line) =>
          line.annotations["requestId"] === request.requestId &&
          !String(line.message).startsWith("assessment")
      )
      expect(own.map((line) => line.message)).toContain("http request")
      expect(own.every((line) => line.annotations["route"] === request.route)).toBe(true)
    }

    const turns = parsed.filter((line) => line.message === "chat turn")
    expect(turns).toHaveLength(1)
    expect(turns[0]!.annotations).toMatchObject({
      requestId: chatRequest.requestId,
      route: "/chat/stream",
      provider: "offline",
      model: "offline-coach-1",
      outcome: "completed",
      contextMessages: 3,
      session: hashed(MARKERS.session),
      group: hashed(MARKERS.group)
    })
    expect(turns[0]!.annotations["inputTokens"]).toBeGreaterThan(0)
    expect(turns[0]!.annotations["durationMs"]).toBeGreaterThanOrEqual(0)

    // The prompt's classification runs beside the reply: it joins the turn's line when it ends first
    // (the usual case), else it has a line of its own. Either way, once.
    const promptClassified = parsed.filter(
      (line) =>
        line.message === "message classified" && line.annotations["requestId"] === chatRequest.requestId
    )
    expect(
      [...promptClassified, ...turns].filter((line) => "classification" in line.annotations)
    ).toHaveLength(1)
    expect(
      [...promptClassified, ...turns].find((line) => "classification" in line.annotations)
    ).toMatchObject({
      annotations: { session: hashed(MARKERS.session), classification: { classifier: "offline-model" } }
    })

    // One line per request: its ingestion and its classification are parts of it, not lines of their own.
    expect(parsed.filter((line) => line.message === "message ingested")).toEqual([])
    expect(parsed.filter((line) => line.message === "message classified")).toEqual(promptClassified)
    const requestLine = (request: (typeof requests)[number]) => {
      const own = parsed.filter(
        (line) => line.message === "http request" && line.annotations["requestId"] === request.requestId
      )
      expect(own).toHaveLength(1)
      return own[0]!.annotations
    }
    expect(requestLine(chatRequest)).toMatchObject({
      status: "200",
      session: hashed(MARKERS.session),
      ingest: { role: "user", outcome: "persisted" }
    })
    const [opening, repeat, coach, optedOut] = requests
      .filter((request) => request.route === "/messages/ingest")
      .map(requestLine)
    expect(opening).toMatchObject({
      route: "/messages/ingest",
      status: "200",
      session: hashed(MARKERS.session),
      group: hashed(MARKERS.group),
      ingest: { role: "user", outcome: "persisted" },
      classification: { classifier: "offline-model", decision: "start", contextMessages: 1 }
    })
    expect(opening!["ingest"]).toHaveProperty("textChars")
    expect(opening!["ingest"]).toHaveProperty("durationMs")
    expect(repeat).toMatchObject({ ingest: { outcome: "duplicate" }, classification: { decision: "start" } })
    // The coach's message is not classified.
    expect(coach).toMatchObject({ ingest: { role: "assistant", outcome: "persisted" } })
    expect(coach).not.toHaveProperty("classification")
    expect(optedOut).toMatchObject({
      ingest: { outcome: "session_opt_out" },
      session: hashed(MARKERS.optedOutSession)
    })
  })
})

/**
 * The service on stores a test can fail, with the JSON logger of `serve` writing into `lines`: a
 * spawned process cannot be given a failing store.
 */
const serviceOnFaultyStores = async (env: Record<string, string>) => {
  const lines: Array<string> = []
  const service = await startService({
    stores: FaultyStores.layer,
    env: { ...env, ID_HASH_SALT: SALT },
    logging: Layer.merge(
      Logger.replace(
        Logger.defaultLogger,
        Logger.map(Logger.jsonLogger, (line) => lines.push(line))
      ),
      Logger.minimumLogLevel(LogLevel.Info)
    )
  })
  return { lines, service }
}

describe("the service's logs during a store outage", () => {
  it("say what failed, under each request's id, without message text or raw ids", async () => {
    const { lines, service } = await serviceOnFaultyStores({
      STORE_TIMEOUT_MS: "150",
      OFFLINE_TOKEN_DELAY_MS: "0"
    })
    try {
      const setStore = (mode: "up" | "down") =>
        service.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode, "transcript-writes")))
      const { requests, reply } = await runWorkload(service.url, {
        run: "outage-logs",
        storeOutage: {
          down: () => setStore("down"),
          up: () => setStore("up"),
          // Bounded, as before, by the test's own 30 s timeout (vitest.config.ts).
          drained: () =>
            vi.waitFor(
              async () => {
                const metrics = parseSamples(await (await fetch(`${service.url}/metrics`)).text())
                expect(total(metrics, "coachup_outbox_depth"), "outbox").toBe(0)
              },
              { timeout: 30_000, interval: 50 }
            )
        }
      })
      const parsed = lines.map((line) => JSON.parse(line) as LogLine)
      const all = lines.join("\n")
      for (const secret of [MARKERS.text, reply, ...Object.values(MARKERS)]) expect(all).not.toContain(secret)
      for (const request of requests) {
        expect(parsed.some((line) => line.annotations["requestId"] === request.requestId)).toBe(true)
      }
      const outageRequest = requests.filter((request) => request.route === "/messages/ingest").at(-1)!
      const own = parsed.filter((line) => line.annotations["requestId"] === outageRequest.requestId)
      expect(own.map((line) => line.message)).toContain(
        "transcript store unavailable; write queued in the outbox"
      )
      expect(own.find((line) => line.message === "http request")!.annotations).toMatchObject({
        ingest: { outcome: "queued" },
        session: hashed(MARKERS.outageSession)
      })
    } finally {
      await service.close()
    }
  })
})

describe("a request whose client goes away", () => {
  it("still writes its one line, as interrupted", async () => {
    const { lines, service } = await serviceOnFaultyStores({ STORE_TIMEOUT_MS: "20000" })
    try {
      await service.run(Effect.flatMap(StoreFaults, (faults) => faults.set("hang", "transcript-writes")))
      const abandoned = fetch(`${service.url}/messages/ingest`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": "abandoned-ingest" },
        body: JSON.stringify({ sessionId: "abandoned", messageId: "m-1", role: "user", text: "hello" }),
        signal: AbortSignal.timeout(300)
      })
      await expect(abandoned).rejects.toThrow()
      const line = await vi.waitFor(
        () => {
          const own = lines
            .map((text) => JSON.parse(text) as LogLine)
            .filter((parsed) => parsed.annotations["requestId"] === "abandoned-ingest")
          expect(own).toHaveLength(1)
          return own[0]!
        },
        { timeout: 5_000, interval: 20 }
      )
      expect(line).toMatchObject({
        message: "http request",
        annotations: { route: "/messages/ingest", method: "POST", status: "interrupted" }
      })
      expect(line.annotations["durationMs"]).toBeGreaterThanOrEqual(250)
    } finally {
      await service.close()
    }
  })
})
