import type { Page } from "playwright-core"

/** Waits until the page's opt-out checkbox has read its setting from the service (it is disabled until then). */
export const settingLoaded = (page: Page): Promise<unknown> =>
  page.waitForFunction(() => !document.querySelector<HTMLInputElement>("input[type=checkbox]")?.disabled)
