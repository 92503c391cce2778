import { failedChecks, passed, type ScenarioResult } from "./scenario.ts"

/** The results as a plain-text table: scenario, count, pass/fail (with what failed), figures. */
export const formatTable = (results: ReadonlyArray<ScenarioResult>) => {
  const rows = [
    ["scenario", "count", "result", "figures"],
    ...results.map((result) => [
      result.scenario,
      String(result.count),
      passed(result) ? "pass" : `FAIL: ${failedChecks(result).join("; ")}`,
      result.figures
    ])
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join(" | ")
  return [
    line(rows[0]!),
    widths.map((width) => "-".repeat(width)).join("-|-"),
    ...rows.slice(1).map(line)
  ].join("\n")
}
