import { AxeBuilder } from "@axe-core/playwright"
import type { Page } from "playwright-core"

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is now, one line
 * each (rule, help, where); a test expects none. axe-core's script comes from node_modules.
 */
export const seriousViolations = async (page: Page): Promise<Array<string>> => {
  const { violations } = await new AxeBuilder({ page }).analyze()
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`
    )
}
