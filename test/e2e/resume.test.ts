import { describe, expect, it } from "vitest"
import { sessionMessages } from "../support/api-client.ts"
import { appAndBrowser } from "./support/app-service.ts"
import { currentSessionId, openChat } from "./support/chat.ts"

// A word every 120 ms: the offline coach's reply takes several seconds, time to reload in the middle.
const e2e = appAndBrowser({ OFFLINE_TOKEN_DELAY_MS: "120" })

const storedReply = async (sessionId: string) =>
  (await e2e.service.call(sessionMessages(sessionId))).items.find((item) => item.role === "assistant")

describe("a reply in the browser", () => {
  it("goes on after a reload mid-reply and in a second tab, ending with the full stored reply", async () => {
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app
    await page.getByLabel("Message", { exact: true }).fill("Help me say no to extra work.")
    await page.keyboard.press("Enter")
    const reply = page.locator(".message-assistant .message-text")
    await page.getByText("I'm the offline coach").waitFor()
    const sessionId = (await currentSessionId(page))!

    // Mid-reply: the reply is still in progress in the store when the page goes.
    await page.reload()
    expect((await storedReply(sessionId))?.status).toBe("in_progress")
    await reply.first().waitFor()
    const afterReload = (await reply.first().textContent()) ?? ""
    await app.screenshot("resume-after-reload")

    // A second tab on the same session follows the same reply.
    const second = await app.page.context().newPage()
    await second.goto(`/?session=${sessionId}`)

    // The reload cut no reply short: the reply finishes, and both tabs end with it as stored.
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 30_000 })
    const stored = await storedReply(sessionId)
    expect(stored?.status).toBe("completed")
    expect(stored!.text.length).toBeGreaterThan(afterReload.length)
    await expect.poll(() => reply.first().textContent()).toBe(stored!.text)
    await expect
      .poll(() => second.locator(".message-assistant .message-text").first().textContent())
      .toBe(stored!.text)
    expect(await page.getByText("Stopped before the end").count()).toBe(0)
    await app.screenshot("resume-finished")
    expect(app.errors).toEqual([])
    await app.close()
  })
})
