import { describe, expect, it } from "vitest"
import { appAndBrowser } from "./support/app-service.ts"
import { openChat, sendAndWait } from "./support/chat.ts"

const e2e = appAndBrowser({ RATE_LIMIT_CHAT_PER_SESSION_PER_MINUTE: "1" })

/** The browser reports a failed request on the console itself; those are the failures under test. */
const unexpected = (errors: ReadonlyArray<string>) =>
  errors.filter(
    (error) => !/^Failed to load resource: (the server responded with a status of 429|net::)/.test(error)
  )

describe("chat failures in the browser", () => {
  it("says when to retry after a 429, and says so when the service is gone, keeping the conversation", async () => {
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app
    await sendAndWait(page, "First message")

    await page.getByLabel("Message", { exact: true }).fill("Second message, too soon")
    await page.keyboard.press("Enter")
    // The sessions list beside the chat says so too: the chat's own notice is read here.
    const alert = page.getByRole("main").getByRole("alert")
    await alert.getByText(/Too many messages at once\. You can retry in \d+ s\./).waitFor()
    expect(await page.getByText("Second message, too soon").count()).toBe(1)
    await app.screenshot("chat-rate-limited")

    await e2e.service.close()
    await page.getByRole("button", { name: "Retry" }).click()
    await alert.getByText("The Coach Up service cannot be reached.").waitFor()
    expect(await page.locator(".message").count()).toBe(3)
    await page.getByText("Whether a role play is in progress cannot be checked right now.").waitFor()
    await app.screenshot("chat-service-down")
    expect(unexpected(app.errors)).toEqual([])
    await app.close()
  })
})
