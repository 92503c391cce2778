import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { ingestMessage, sessionMessages } from "../support/api-client.ts"
import { appAndBrowser } from "./support/app-service.ts"
import { type AppPage, PHONE } from "./support/browser.ts"
import { currentSessionId, openChat, sendAndWait } from "./support/chat.ts"

const e2e = appAndBrowser()

const DESKTOP = { width: 1280, height: 800 }
const sizes = [
  { name: "desktop", viewport: DESKTOP },
  { name: "phone", viewport: PHONE }
] as const

/** Stores an earlier exchange in a session through the API, as if it had happened last week. */
const storeExchange = async (sessionId: string, prompt: string, reply: string) => {
  await e2e.service.call(
    ingestMessage({ sessionId, messageId: `${sessionId}-0`, role: "user", text: prompt })
  )
  await e2e.service.call(
    ingestMessage({ sessionId, messageId: `${sessionId}-1`, role: "assistant", text: reply })
  )
}

/** The sessions list: beside the page at desktop width, behind the "My sessions" button on a phone. */
const openSessions = async (page: Page, phone: boolean) => {
  if (phone) await page.getByRole("button", { name: "My sessions" }).click()
  const sidebar = page.getByRole("complementary", { name: "My sessions" })
  await sidebar.getByRole("list", { name: "Sessions, newest first" }).waitFor()
  return sidebar
}

/** What a person reads on the page (closed disclosures and hidden text left out). */
const visibleText = (page: Page) => page.evaluate(() => document.body.innerText)

const expectNoDeveloperWording = async (app: AppPage, sessionId: string) => {
  const text = await visibleText(app.page)
  for (const word of [sessionId, "Interaction ", "Context:", "system prompt", "server process"])
    expect(text, `"${word}" shows on the page`).not.toContain(word)
}

describe("the app shell in the browser", () => {
  it.each(sizes)(
    "lists my sessions by title and last activity, switches between them, and deletes one after a confirmation ($name)",
    async ({ name, viewport }) => {
      const phone = name === "phone"
      const app = await openChat(e2e.browser, e2e.service.url, viewport)
      const { page } = app
      const older = `older-${name}`
      await storeExchange(older, `Practise saying no to extra work (${name})`, "Sure: who asks you, and how?")
      await sendAndWait(page, `Prepare my ${name} review`)
      const current = (await currentSessionId(page))!

      let sidebar = await openSessions(page, phone)
      await sidebar.getByText(`Prepare my ${name} review`).waitFor()
      await sidebar.getByText(`Practise saying no to extra work (${name})`).waitFor()
      expect(await sidebar.locator(".session-facts").first().textContent()).toMatch(
        /2 messages · last active/
      )
      await app.screenshot(`sessions-sidebar-${name}`)

      // Switching: the chat, History and Assessments follow the chosen session.
      await sidebar
        .getByRole("button", { name: new RegExp(`^Practise saying no to extra work \\(${name}\\)`) })
        .click()
      await page.getByText("Sure: who asks you, and how?").waitFor()
      expect(await currentSessionId(page)).toBe(older)
      if (phone) expect(await sidebar.isVisible()).toBe(false)
      await page.getByRole("link", { name: "History" }).click()
      await page.locator(".transcript").getByText(`Practise saying no to extra work (${name})`).waitFor()

      // Deleting the session open now: asked first, then gone from the list, and a new session begins.
      sidebar = await openSessions(page, phone)
      await sidebar
        .getByRole("button", { name: `Delete “Practise saying no to extra work (${name})”` })
        .click()
      await sidebar.getByText("This cannot be undone").waitFor()
      await app.screenshot(`sessions-delete-confirm-${name}`)
      await sidebar.getByRole("button", { name: "Cancel" }).click()
      expect((await e2e.service.call(sessionMessages(older))).items).toHaveLength(2)
      await sidebar
        .getByRole("button", { name: `Delete “Practise saying no to extra work (${name})”` })
        .click()
      await sidebar.getByRole("button", { name: "Yes, delete it" }).click()
      // Exactly the title: the confirmation, while it is still on screen, quotes it too.
      await sidebar
        .getByText(`Practise saying no to extra work (${name})`, { exact: true })
        .waitFor({ state: "detached" })
      expect((await e2e.service.call(sessionMessages(older))).items).toHaveLength(0)
      const next = await currentSessionId(page)
      expect([older, current]).not.toContain(next)
      // Deleting the open session starts a new one, which closes the drawer on a phone.
      sidebar = phone ? await openSessions(page, phone) : sidebar
      expect(await sidebar.locator(".session-title").allTextContents()).toContain(`Prepare my ${name} review`)

      await expectNoDeveloperWording(app, current)
      expect(app.errors).toEqual([])
      await app.close()
    },
    60_000
  )

  it.each(sizes)(
    "shows replies as Markdown, copies one, and regenerates the last, keeping the earlier one marked replaced ($name)",
    async ({ name, viewport }) => {
      const app = await openChat(e2e.browser, e2e.service.url, viewport)
      const { page } = app
      await page
        .context()
        .grantPermissions(["clipboard-read", "clipboard-write"], { origin: e2e.service.url })
      const sessionId = (await currentSessionId(page))!
      await storeExchange(
        sessionId,
        "How do I open the talk?",
        "**Start** with two points:\n\n1. your *wins*\n2. a [salary guide](https://example.com/guide)\n\n<img src=x onerror=alert(1)> [bad](javascript:alert(1))"
      )
      await page.reload()
      const reply = page.locator(".message-assistant").first()
      await reply.locator("strong", { hasText: "Start" }).waitFor()
      expect(await reply.locator("ol > li").count()).toBe(2)
      expect(await reply.locator("em").textContent()).toBe("wins")
      const link = reply.getByRole("link", { name: "salary guide" })
      expect(await link.getAttribute("rel")).toContain("noopener")
      expect(await reply.locator("img").count()).toBe(0)
      expect((await reply.getByText("bad").getAttribute("href")) ?? "").not.toContain("javascript")

      await reply.getByRole("button", { name: "Copy" }).click()
      await reply.getByRole("button", { name: /^Copied/ }).waitFor()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toContain("**Start** with two points")

      await sendAndWait(page, "I led two launches this year")
      const replies = page.locator(".message-assistant")
      const first = await replies.last().locator(".message-text").textContent()
      await replies.last().getByRole("button", { name: "Regenerate" }).click()
      await page.getByText("Replaced by a newer reply").waitFor()
      await page.getByRole("button", { name: "Send" }).waitFor()
      expect(await replies.count()).toBe(3)
      expect(await page.getByRole("button", { name: "Regenerate" }).count()).toBe(1)
      await app.screenshot(`reply-regenerated-${name}`)

      const stored = (await e2e.service.call(sessionMessages(sessionId))).items
      expect(stored.map((item) => [item.role, item.replaced])).toEqual([
        ["user", undefined],
        ["assistant", undefined],
        ["user", undefined],
        ["assistant", true],
        ["assistant", undefined]
      ])
      expect(stored[3]!.text).toBe(first)

      await page.getByRole("link", { name: "History" }).click()
      await page.locator(".transcript .message-replaced").getByText("Replaced by a newer reply").waitFor()
      await page.locator(".transcript strong", { hasText: "Start" }).waitFor()
      await app.screenshot(`history-replaced-${name}`)
      expect(app.errors).toEqual([])
      await app.close()
    },
    60_000
  )

  it.each(sizes)(
    "keeps the header and composer in place while the conversation scrolls, with a status line and human wording ($name)",
    async ({ name, viewport }) => {
      const app = await openChat(e2e.browser, e2e.service.url, viewport)
      const { page } = app
      const sessionId = (await currentSessionId(page))!
      await sendAndWait(page, "Can we role play asking my manager for a raise?")
      await page.getByText(/^Role play in progress/).waitFor()
      await sendAndWait(page, "I would like a raise because I led two launches this year.")
      await sendAndWait(page, "I also mentored two new colleagues.")
      await app.screenshot(`layout-role-play-${name}`)

      const inView = async (selector: string) => {
        const box = (await page.locator(selector).boundingBox())!
        return box.y >= 0 && box.y + box.height <= viewport.height
      }
      const scroll = await page.evaluate(() => {
        const list = document.querySelector(".chat .messages")!
        return {
          page: document.scrollingElement!.scrollHeight - window.innerHeight,
          list: list.scrollHeight - list.clientHeight,
          atEnd: list.scrollHeight - list.clientHeight - list.scrollTop
        }
      })
      expect(scroll.page).toBeLessThanOrEqual(0)
      expect(scroll.list).toBeGreaterThan(0)
      expect(scroll.atEnd).toBeLessThanOrEqual(2)
      await page.locator(".chat .messages").evaluate((list) => list.scrollTo({ top: 0 }))
      for (const selector of [".app-header", ".composer", ".interaction"])
        expect(await inView(selector), `${selector} in view`).toBe(true)

      await sendAndWait(page, "Let's stop the role play. How did I do?")
      await page.getByText("Ended —").waitFor()
      await app.screenshot(`layout-role-play-ended-${name}`)
      await page.getByRole("link", { name: "see your assessment" }).click()
      await page.getByRole("heading", { name: "Next step" }).waitFor({ timeout: 15_000 })
      await page
        .getByRole("heading", { name: /^Can we role play asking my manager for a raise\? ended/ })
        .waitFor()
      await app.screenshot(`assessment-titled-${name}`)
      await expectNoDeveloperWording(app, sessionId)
      await page.getByRole("link", { name: "Chat" }).click()
      await page.getByText("Ended —").waitFor()
      await expectNoDeveloperWording(app, sessionId)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow).toBeLessThanOrEqual(0)
      expect(app.errors).toEqual([])
      await app.close()
    },
    60_000
  )
})
