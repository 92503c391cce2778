import { describe, expect, it } from "vitest"
import { appAndBrowser } from "./support/app-service.ts"
import { openApp, PHONE } from "./support/browser.ts"
import { contextSizes, currentSessionId, openChat, sendAndWait } from "./support/chat.ts"

// Words 20 ms apart arrive in separate reads, so the page can be seen to render the reply in pieces.
const e2e = appAndBrowser({ CHAT_CONTEXT_LIMIT: "3", OFFLINE_TOKEN_DELAY_MS: "20" })

describe("chat in the browser", () => {
  it("streams each reply, whose context grows to CHAT_CONTEXT_LIMIT and no further; the session resumes at phone width", async () => {
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app

    // Every text the reply shows while it streams: more than one means it arrived in pieces.
    await page.evaluate(() => {
      const seen = new Set<string>()
      Object.assign(window, { seenReplyTexts: seen })
      new MutationObserver(() => {
        const reply = document.querySelector(".message-assistant .message-text")
        if (reply?.textContent) seen.add(reply.textContent)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    // Sent by clicking Send, which takes the focus: the page gives it back to the textarea.
    await sendAndWait(page, "Hello coach", "Send button")
    expect(
      await page.evaluate(() => (window as unknown as { seenReplyTexts: Set<string> }).seenReplyTexts.size)
    ).toBeGreaterThan(3)
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("prompt")

    for (const text of ["I have a review on Monday", "It is with my manager", "I want to sound calm"])
      await sendAndWait(page, text)
    expect(await contextSizes(page)).toEqual([1, 3, 3, 3])
    await page.getByText("I received 3 messages of context", { exact: false }).last().waitFor()
    await app.screenshot("chat-multi-turn")

    const sessionId = await currentSessionId(page)
    const phone = await openApp(e2e.browser, e2e.service.url, PHONE)
    await phone.page.goto(`/?session=${sessionId}`)
    await phone.page.locator(".message-assistant").nth(3).waitFor()
    expect(await phone.page.locator(".message").count()).toBe(8)
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await phone.screenshot("chat-phone")

    expect(app.errors).toEqual([])
    expect(phone.errors).toEqual([])
    await Promise.all([app.close(), phone.close()])
  })
})
