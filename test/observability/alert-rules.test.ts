import { existsSync, readdirSync, readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { runPrometheusTool } from "../support/prometheus-tools.ts"

const RULES = "adapters/telemetry/prometheus/alert-rules.yaml"
const RULE_TESTS = "adapters/telemetry/prometheus/alert-rules.test.yaml"

/** Each alert's block of the rule file: from its `- alert:` line to the next. */
const alerts = readFileSync(RULES, "utf8")
  .split(/^\s+- alert: /m)
  .slice(1)
  .map((block) => ({ name: block.slice(0, block.indexOf("\n")).trim(), block }))

/** Each promtool test case: its alert and whether it expects the alert to fire. */
const cases = readFileSync(RULE_TESTS, "utf8")
  .split(/^\s+- interval: /m)
  .slice(1)
  .map((block) => ({
    alert: /alertname: (\w+)/.exec(block)?.[1],
    fires: !/exp_alerts: \[\]/.test(block)
  }))

/** The runbook index: one row per alert, with its severity, runbook and the panels to open first. */
const index = Array.from(
  readFileSync("docs/runbooks/README.md", "utf8").matchAll(
    /^\| `(\w+)` +\| (\w+) +\| \[[^\]]+\]\(([a-z-]+\.md)\) +\| (\w+) → ([^|]+?) +\|$/gm
  ),
  ([, alert, severity, runbook, dashboard, panels]) => ({
    alert: alert!,
    severity: severity!,
    runbook: runbook!,
    dashboard: `Coach Up / ${dashboard}`,
    panels: panels!.split("; ")
  })
)
const panelTitles = new Map(
  readdirSync("adapters/telemetry/grafana/dashboards").map((file) => {
    const dashboard = JSON.parse(readFileSync(`adapters/telemetry/grafana/dashboards/${file}`, "utf8")) as {
      title: string
      panels: Array<{ title: string }>
    }
    return [dashboard.title, dashboard.panels.map((panel) => panel.title)] as const
  })
)

describe("the Prometheus alert rules", () => {
  it("pass promtool check rules", async () => {
    const { stdout } = await runPrometheusTool("promtool", ["check", "rules", RULES])
    expect(stdout).toContain(`SUCCESS: ${alerts.length} rules found`)
  })

  it("pass their promtool unit tests", async () => {
    const { stdout } = await runPrometheusTool("promtool", ["test", "rules", RULE_TESTS])
    expect(stdout).toContain("SUCCESS")
  })

  it("cover what issue #8 asks for", () => {
    expect(alerts.map((alert) => alert.name)).toEqual(
      expect.arrayContaining([
        "StoreLatencyHigh",
        "StoreErrorRateHigh",
        "OutboxNotDraining",
        "TranscriptWritesRefused",
        "ChatTtftSlow",
        "ChatTurnSlow",
        "AssessmentSlow",
        "AssessmentFailures",
        "ClassifierParseFailures",
        "ChatNoSuccessfulTurns"
      ])
    )
  })

  it.each(alerts)("$name has a summary, a description and a runbook that exists", ({ block }) => {
    expect(block).toMatch(/^\s+summary: ".+"$/m)
    expect(block).toMatch(/^\s+description: ".+"$/m)
    const runbook = /^\s+runbook_url: "(docs\/runbooks\/[a-z-]+\.md)"$/m.exec(block)?.[1]
    expect(runbook).toBeDefined()
    expect(existsSync(runbook!)).toBe(true)
  })

  it.each(alerts)(
    "$name is in the runbook index, with panels that exist on its dashboard",
    ({ name, block }) => {
      const row = index.find((entry) => entry.alert === name)
      expect(row).toBeDefined()
      expect(block).toContain(`severity: ${row!.severity}`)
      expect(block).toContain(`runbook_url: "docs/runbooks/${row!.runbook}"`)
      expect(panelTitles.get(row!.dashboard)).toEqual(expect.arrayContaining(row!.panels))
    }
  )

  it.each(alerts)("$name is unit-tested with series that fire it and series that do not", ({ name }) => {
    const own = cases.filter((testCase) => testCase.alert === name)
    expect(own.some((testCase) => testCase.fires)).toBe(true)
    expect(own.some((testCase) => !testCase.fires)).toBe(true)
  })
})
