import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Metric } from "effect"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import {
  assessmentDurationSeconds,
  assessmentJobsTotal,
  assessmentQueueDepth,
  classificationOrderWaitsTotal,
  sessionMemoryMissesTotal
} from "../../application/metrics.ts"
import { startFakeOpenAi } from "../support/fake-openai-server.ts"
import * as FaultyStores from "../support/faulty-stores.ts"
import { StoreFaults } from "../support/faulty-stores.ts"
import { parseSamples, total } from "../support/prometheus-text.ts"
import { runWorkload } from "../support/scripted-workload.ts"
import { startService, type TestService } from "../support/service.ts"

const DASHBOARDS = "adapters/telemetry/grafana/dashboards"
const ALERT_RULES = "adapters/telemetry/prometheus/alert-rules.yaml"

interface Panel {
  readonly title: string
  readonly datasource: { readonly uid: string }
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly datasource: { readonly uid: string } }>
}
interface Dashboard {
  readonly uid: string
  readonly title: string
  readonly templating: { readonly list: ReadonlyArray<{ readonly name: string; readonly type: string }> }
  readonly panels: ReadonlyArray<Panel>
}

const dashboards = readdirSync(DASHBOARDS)
  .filter((file) => file.endsWith(".json"))
  .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS, file), "utf8")) as Dashboard }))

/** Each alert rule's `expr:` (one line each in the rule file), with the alert it belongs to. */
const alertExprs = Array.from(
  readFileSync(ALERT_RULES, "utf8").matchAll(/^\s+- alert: (\w+)\n\s+expr: (.+)$/gm),
  ([, alert, expr]) => ({ alert: alert!, expr: expr! })
)

/** The `coachup_` metric names a PromQL expression reads. */
const metricNames = (expr: string) => Array.from(expr.matchAll(/\bcoachup_[a-z0-9_]+/g), (match) => match[0])

let fake: Awaited<ReturnType<typeof startFakeOpenAi>>
let service: TestService<StoreFaults>
let exported: Set<string>
beforeAll(async () => {
  // The OpenAI path with a classifier that answers malformed: its failure series appear too.
  fake = await startFakeOpenAi()
  service = await startService({
    stores: FaultyStores.layer,
    env: {
      STORE_TIMEOUT_MS: "150",
      LLM_PROVIDER: "openai",
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_MAX_RETRIES: "0",
      CHAT_MODEL: "ok",
      CLASSIFIER_MODEL: "classify-malformed"
    }
  })
  const scrape = async () => parseSamples(await (await fetch(`${service.url}/metrics`)).text())
  const setStore = (mode: "up" | "down") =>
    service.run(Effect.flatMap(StoreFaults, (faults) => faults.set(mode, "transcript-writes")))
  await runWorkload(service.url, {
    run: "dashboards",
    storeOutage: {
      down: () => setStore("down"),
      up: () => setStore("up"),
      // Bounded, as before, by the hook's own 30 s timeout (vitest.config.ts).
      drained: () =>
        vi.waitFor(async () => expect(total(await scrape(), "coachup_outbox_depth"), "outbox").toBe(0), {
          timeout: 30_000,
          interval: 50
        })
    }
  })
  // The classifier here answers malformed on purpose (for its failure series), so every message is
  // taken as ignore: no group closes and no assessment runs. Each assessment metric is recorded once
  // through the service instead, so the names checked below are what the real exporter makes of the
  // definitions (test/observability/workload-metrics.test.ts sees them move with a real assessment).
  // So are a session memory miss and a classification waiting for the one before it, which need two
  // processes (test/http/session-memory-miss.test.ts, test/scale/scale.test.ts).
  await service.run(
    Effect.all([
      Metric.update(assessmentDurationSeconds, 1),
      Metric.increment(Metric.tagged(assessmentJobsTotal, "outcome", "completed")),
      Metric.set(Metric.tagged(assessmentQueueDepth, "state", "pending"), 0),
      Metric.increment(Metric.tagged(sessionMemoryMissesTotal, "purpose", "chat")),
      Metric.increment(Metric.tagged(classificationOrderWaitsTotal, "outcome", "arrived"))
    ])
  )
  exported = new Set((await scrape()).map((sample) => sample.name))
})
afterAll(async () => {
  await service.close()
  await fake.close()
})

describe("the Grafana dashboards", () => {
  it("are Chat, Classifier, Persistence, Assessments and Service", () => {
    expect(dashboards.map(({ dashboard }) => dashboard.title).sort()).toEqual([
      "Coach Up / Assessments",
      "Coach Up / Chat",
      "Coach Up / Classifier",
      "Coach Up / Persistence",
      "Coach Up / Service"
    ])
    const provisioning = readFileSync("adapters/telemetry/grafana/provisioning/dashboards.yaml", "utf8")
    expect(provisioning).toMatch(/^\s+type: file$/m)
  })

  it.each(dashboards)(
    "$file takes its data source from a variable on every panel and query",
    ({ dashboard }) => {
      expect(dashboard.templating.list).toContainEqual(
        expect.objectContaining({ name: "datasource", type: "datasource" })
      )
      for (const panel of dashboard.panels) {
        expect(panel.datasource.uid).toBe("${datasource}")
        expect(panel.targets.length).toBeGreaterThan(0)
        for (const target of panel.targets) expect(target.datasource.uid).toBe("${datasource}")
      }
    }
  )

  it.each(dashboards)("$file queries only metric names the service exports", ({ dashboard }) => {
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const names = metricNames(expr)
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0)
        for (const name of names) expect(exported, `${panel.title} queries ${name}`).toContain(name)
      }
    }
  })
})

describe("the alert rules", () => {
  it("have one expr each", () => {
    expect(alertExprs.length).toBeGreaterThan(0)
    expect(alertExprs.length).toBe(readFileSync(ALERT_RULES, "utf8").match(/^\s+expr: /gm)!.length)
    expect(alertExprs.length).toBe(readFileSync(ALERT_RULES, "utf8").match(/^\s+- alert: /gm)!.length)
  })

  it.each(alertExprs)("$alert reads only metric names the service exports", ({ alert, expr }) => {
    const names = metricNames(expr)
    expect(names.length, `${alert}: ${expr}`).toBeGreaterThan(0)
    for (const name of names) expect(exported, `${alert} reads ${name}`).toContain(name)
  })
})
