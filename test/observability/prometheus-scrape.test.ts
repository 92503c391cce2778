import { type ChildProcess, spawn } from "node:child_process"
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { memoryStores } from "../../bootstrap/layers.ts"
import { freePort } from "../support/free-port.ts"
import { runPrometheusTool } from "../support/prometheus-tools.ts"
import { runWorkload } from "../support/scripted-workload.ts"
import { startService, type TestService } from "../support/service.ts"

const RULES = resolve("adapters/telemetry/prometheus/alert-rules.yaml")
const DASHBOARDS = "adapters/telemetry/grafana/dashboards"

interface QueryResult {
  readonly metric: Record<string, string>
  readonly value: [number, string]
}

let service: TestService
let prometheus: ChildProcess
let prometheusUrl: string
let dir: string
let log = ""

beforeAll(async () => {
  service = await startService({ stores: memoryStores, env: { OFFLINE_TOKEN_DELAY_MS: "0" } })
  dir = await mkdtemp(join(tmpdir(), "coachup-prometheus-"))
  const config = join(dir, "prometheus.yml")
  await writeFile(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  evaluation_interval: 1s",
      "rule_files:",
      `  - ${JSON.stringify(RULES)}`,
      "scrape_configs:",
      "  - job_name: coachup",
      "    static_configs:",
      `      - targets: ["${new URL(service.url).host}"]`,
      ""
    ].join("\n")
  )
  await runPrometheusTool("promtool", ["check", "config", config])
  const port = await freePort()
  prometheusUrl = `http://127.0.0.1:${port}`
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`
    ],
    { stdio: ["ignore", "pipe", "pipe"] }
  )
  prometheus.stdout!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk))
  prometheus.stderr!.setEncoding("utf8").on("data", (chunk: string) => (log += chunk))
  await new Promise<void>((ready, fail) => {
    prometheus.once("spawn", ready)
    prometheus.once("error", (error) =>
      fail(
        (error as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error("prometheus is not installed: bash scripts/install-test-tools.sh")
          : error
      )
    )
  })
}, 30_000)

afterAll(async () => {
  if (prometheus?.exitCode === null) {
    const exited = new Promise((done) => prometheus.once("exit", done))
    prometheus.kill("SIGTERM")
    const killer = setTimeout(() => prometheus.kill("SIGKILL"), 5_000)
    await exited
    clearTimeout(killer)
  }
  await service?.close()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

const query = async (promql: string): Promise<ReadonlyArray<QueryResult>> => {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = (await response.json()) as {
    status: string
    error?: string
    data: { result: Array<QueryResult> }
  }
  if (body.status !== "success") throw new Error(`${promql}: ${body.error}`)
  return body.data.result
}

/**
 * Polls until `check` holds: Prometheus is up, has scraped, and holds what the test needs. Fails
 * after 20 s, or at once when Prometheus exits, with what Prometheus said.
 */
const until = async (what: string, check: () => Promise<boolean>) => {
  const failure = () => new Error(`${what}; prometheus said:\n${log}`)
  if (prometheus.exitCode !== null) throw failure()
  let onExit = () => {}
  const exited = new Promise<never>((_, fail) => {
    onExit = () => fail(failure())
    prometheus.once("exit", onExit)
  })
  try {
    await Promise.race([
      vi.waitFor(
        async () => {
          if (!(await check().catch(() => false))) throw failure()
        },
        { timeout: 20_000, interval: 250 }
      ),
      exited
    ])
  } finally {
    prometheus.off("exit", onExit)
  }
}

const chatTurns = async () =>
  Number((await query('sum(coachup_chat_turns_total{outcome="completed"})'))[0]?.value[1] ?? 0)

describe("a real Prometheus scraping the service", () => {
  it("scrapes the coachup_ series, loads the alert rules, and answers every dashboard query", async () => {
    // Two rounds of the workload with a scrape between: the series exist before the second round
    // moves them, so rates over the scrape window are not zero.
    await runWorkload(service.url, { run: "scrape-1" })
    await until("no coachup_ series scraped", async () => (await chatTurns()) === 1)
    await runWorkload(service.url, { run: "scrape-2" })
    await until("the second round was not scraped", async () => (await chatTurns()) === 2)

    const up = await query('up{job="coachup"}')
    expect(up.map((sample) => sample.value[1])).toEqual(["1"])
    const ingested = await query('coachup_http_request_duration_seconds_count{route="/messages/ingest"}')
    expect(ingested.length).toBeGreaterThan(0)

    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> }
    }
    const loaded = rules.data.groups.flatMap((group) => group.rules)
    expect(loaded.length).toBe((await readFile(RULES, "utf8")).match(/- alert: /g)!.length)
    await until("the rules were not all evaluated healthy", async () => {
      const now = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as typeof rules
      return now.data.groups.flatMap((group) => group.rules).every((rule) => rule.health === "ok")
    })

    // Every panel's query is valid PromQL to a real Prometheus (`query` throws on an error), and
    // each Chat panel shows data after the workload.
    for (const file of await readdir(DASHBOARDS)) {
      const dashboard = JSON.parse(await readFile(join(DASHBOARDS, file), "utf8")) as {
        panels: Array<{ title: string; targets: Array<{ expr: string }> }>
      }
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) {
          const result = await query(target.expr.replaceAll("$__rate_interval", "1m"))
          if (file !== "chat.json") continue
          expect(result.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0)
          for (const sample of result) expect(Number.isNaN(Number(sample.value[1])), panel.title).toBe(false)
        }
      }
    }
  }, 60_000)
})
