import { describe, expect, it } from "vitest"
import { appAndBrowser } from "./support/app-service.ts"
import { openApp, PHONE } from "./support/browser.ts"
import { currentSessionId, openChat, sendAndWait } from "./support/chat.ts"

const e2e = appAndBrowser()

describe("assessments in the browser", () => {
  it("a role play that ends is assessed, and the open Assessments page shows it without a reload", async () => {
    const chat = await openChat(e2e.browser, e2e.service.url)
    const sessionId = await currentSessionId(chat.page)

    // Watching from a phone: the page is open before there is anything to show, and never reloads.
    const watcher = await openApp(e2e.browser, e2e.service.url, PHONE)
    await watcher.page.goto(`/assessments?session=${sessionId}`)
    await watcher.page.getByText("No assessments yet.").waitFor()
    await watcher.page.evaluate(() => Object.assign(window, { loadedOnce: true }))

    await sendAndWait(chat.page, "Can we role play asking my manager for a raise?")
    await chat.page.getByText(/^Role play in progress/).waitFor()
    await chat.screenshot("chat-practising")
    await sendAndWait(chat.page, "I would like a raise because I led two launches this year.")
    await sendAndWait(chat.page, "Let's stop the role play. How did I do?")
    await chat.page.getByText("Ended —").waitFor()
    await chat.screenshot("chat-role-play-ended")

    await watcher.page.getByRole("heading", { name: "Next step" }).waitFor({ timeout: 15_000 })
    expect(await watcher.page.evaluate(() => "loadedOnce" in window)).toBe(true)
    const scores = await watcher.page
      .getByRole("meter")
      .evaluateAll((bars) => bars.map((bar) => Number(bar.getAttribute("aria-valuenow"))))
    expect(scores.length).toBeGreaterThan(0)
    for (const score of scores) expect(score).toBeGreaterThanOrEqual(1)
    await watcher.screenshot("assessments-phone")

    await chat.page.getByRole("link", { name: "see your assessment" }).click()
    await chat.page.getByRole("heading", { name: "Next step" }).waitFor()
    await chat.screenshot("assessments")

    await chat.page.getByRole("link", { name: "History" }).click()
    const entries = chat.page.locator(".transcript > li")
    await entries.first().waitFor()
    const texts = await entries.allTextContents()
    expect(texts[0]).toBe("Role play started")
    expect(texts[1]).toContain("Can we role play")
    expect(texts.at(-2)).toContain("Let's stop the role play")
    expect(texts.at(-1)).toBe("Role play ended")
    await chat.screenshot("history-boundaries")
    expect(chat.errors).toEqual([])
    expect(watcher.errors).toEqual([])
    await Promise.all([chat.close(), watcher.close()])
  })
})
