import { existsSync } from "node:fs"
import { mkdir } from "node:fs/promises"
import { type Browser, chromium, type Page } from "playwright-core"

/** Debian's Chromium; `.ci/run` installs it. No browser is downloaded. */
const CHROMIUM = "/usr/bin/chromium"

const SCREENSHOTS = new URL("../screenshots/", import.meta.url)

export const PHONE = { width: 390, height: 844 }

/** Fails, never skips, without Chromium: a CI machine that lacks it must say so. */
export const launchBrowser = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM))
    throw new Error(`end-to-end tests need Chromium at ${CHROMIUM}: bash scripts/install-test-tools.sh`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
}

export interface AppPage {
  readonly page: Page
  /** Console errors and uncaught exceptions seen so far: a test ends by expecting none. */
  readonly errors: Array<string>
  readonly screenshot: (name: string) => Promise<void>
  readonly close: () => Promise<void>
}

/** A fresh browser context (its own localStorage) on the app at `baseURL`. */
export const openApp = async (
  browser: Browser,
  baseURL: string,
  viewport: { width: number; height: number } = { width: 1100, height: 800 }
): Promise<AppPage> => {
  const context = await browser.newContext({ baseURL, viewport })
  const page = await context.newPage()
  const errors: Array<string> = []
  page.on("console", (message) => {
    const where = new URL(message.location().url || "about:blank")
    // A session nobody has written to yet answers 404 session_not_found, which the app reads as empty
    // (and as having no reply to resume).
    const newSession = /^\/(sessions\/[^/]+\/|chat\/[^/]+\/stream$)/.test(where.pathname)
    // Another site's pages (an OpenID provider's login page) are not the app's.
    const foreign = where.protocol.startsWith("http") && where.origin !== new URL(baseURL).origin
    if (message.type() === "error" && !foreign && !(newSession && message.text().includes("404")))
      errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(error.message))
  return {
    page,
    errors,
    screenshot: async (name) => {
      await mkdir(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOTS).pathname, fullPage: true })
    },
    close: () => context.close()
  }
}
