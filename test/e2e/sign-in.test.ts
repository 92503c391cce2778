import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { freePort } from "../support/free-port.ts"
import { signingKey, startOidcProvider, type TestProvider, WEB_CLIENT_ID } from "../support/oidc-provider.ts"
import { type AppService, startAppService } from "./support/app-service.ts"
import { launchBrowser, openApp } from "./support/browser.ts"
import { sendAndWait } from "./support/chat.ts"

const AUDIENCE = "https://api.coachup.test"

let provider: TestProvider
let service: AppService
let browser: Browser
beforeAll(async () => {
  // The provider must know the app's address before the service starts: it sends the browser back there.
  const port = await freePort()
  provider = await startOidcProvider({
    audience: AUDIENCE,
    keys: [await signingKey("key-a")],
    webOrigin: `http://127.0.0.1:${port}`
  })
  ;[service, browser] = await Promise.all([
    startAppService({
      PORT: String(port),
      AUTH_MODE: "oidc",
      AUTH_ISSUER: provider.issuer,
      AUTH_AUDIENCE: AUDIENCE,
      OIDC_WEB_CLIENT_ID: WEB_CLIENT_ID,
      ALLOWED_HOSTS: "127.0.0.1"
    }),
    launchBrowser()
  ])
})
afterAll(async () => {
  await browser?.close()
  await service?.close()
  await provider?.close()
})

/** On the provider's own pages: its login form (any username signs in) and its consent prompt. */
const signInAtProvider = async (page: Page, username: string) => {
  await page.waitForURL((url) => url.origin === provider.issuer)
  await page.locator("input[name=login]").fill(username)
  await page.locator("input[name=password]").fill("any password")
  await page.locator("button[type=submit]").click()
  await page.getByRole("button", { name: "Continue" }).click()
  await page.waitForURL((url) => url.origin === service.url)
  await page.getByText(`Signed in as ${username}`).waitFor()
}

/**
 * Waits until the sessions sidebar (beside every page at desktop width) lists these titles: it reads
 * the list again after each turn, so it may show the one before for a moment.
 */
const expectSessions = (page: Page, titles: ReadonlyArray<string>) =>
  vi.waitFor(
    async () => {
      const sidebar = page.getByRole("complementary", { name: "My sessions" })
      const list = sidebar.getByRole("list", { name: "Sessions, newest first" })
      await list
        .or(sidebar.getByText("No sessions yet", { exact: false }))
        .first()
        .waitFor()
      expect(await sidebar.locator(".session-title").allTextContents()).toEqual(titles)
    },
    { timeout: 10_000, interval: 100 }
  )

describe("signing in to the web app (AUTH_MODE=oidc)", () => {
  it("a user signs in on the provider's page, chats, finds the session in My sessions and signs out; the next user sees only their own and switches between them", async () => {
    const app = await openApp(browser, service.url, { width: 1280, height: 800 })
    const { page } = app
    const calls: Array<{ readonly path: string; readonly authorization: string | null }> = []
    page.on("request", (request) => {
      const url = new URL(request.url())
      if (url.origin === service.url && !url.pathname.startsWith("/assets/") && url.pathname !== "/")
        calls.push({ path: url.pathname, authorization: request.headers()["authorization"] ?? null })
    })

    await page.goto("/")
    await signInAtProvider(page, "ada")
    expect(new URL(page.url()).search).toBe("")
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([])
    await page.getByText("No role play in progress.").waitFor()
    await sendAndWait(page, "Hello coach, I have a review on Monday")

    await expectSessions(page, ["Hello coach, I have a review on Monday"])
    await app.screenshot("sign-in-my-sessions")
    // Every call to the API carried the user's token; none went out without one.
    const apiCalls = calls.filter((call) => call.path !== "/auth/config" && call.path !== "/my-sessions")
    expect(apiCalls.length).toBeGreaterThan(3)
    expect(apiCalls.filter((call) => !call.authorization?.startsWith("Bearer "))).toEqual([])

    await page.getByRole("button", { name: "Sign out" }).click()
    await page.waitForURL((url) => url.origin === provider.issuer)
    await page.getByRole("button", { name: /sign me out/i }).click()
    await page.getByRole("heading", { name: "You have signed out" }).waitFor()

    await page.getByRole("button", { name: "Sign in" }).click()
    await signInAtProvider(page, "grace")
    await expectSessions(page, [])
    await page.getByRole("link", { name: "Chat" }).click()
    await page.getByText("No role play in progress.").waitFor()
    await sendAndWait(page, "Hi, it is Grace")
    await expectSessions(page, ["Hi, it is Grace"])

    // A new session from the list, then back to the first one: newest first, each with its own messages.
    await page
      .getByRole("complementary", { name: "My sessions" })
      .getByRole("button", { name: "New session" })
      .click()
    await page.getByText("No role play in progress.").waitFor()
    await sendAndWait(page, "A second conversation")
    await expectSessions(page, ["A second conversation", "Hi, it is Grace"])
    await page.getByRole("button", { name: /^Hi, it is Grace/ }).click()
    await page.getByRole("heading", { name: "Chat" }).waitFor()
    await page.locator(".message-user").first().waitFor()
    expect(await page.locator(".message-user .message-text").allTextContents()).toEqual(["Hi, it is Grace"])

    expect(app.errors).toEqual([])
    await app.close()
  }, 90_000)
})
