import { describe, expect, it } from "vitest"
import { ingestMessage, sessionMessages } from "../support/api-client.ts"
import { appAndBrowser } from "./support/app-service.ts"
import { currentSessionId, openChat, sendAndWait } from "./support/chat.ts"

// A slow coach, so that there is time to stop a reply halfway.
const e2e = appAndBrowser({ OFFLINE_TOKEN_DELAY_MS: "60" })

const stored = (sessionId: string) => e2e.service.call(sessionMessages(sessionId))

describe("history in the browser", () => {
  it("marks a reply stopped mid-stream as incomplete", async () => {
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app
    await page.getByLabel("Message", { exact: true }).fill("Hello coach")
    await page.keyboard.press("Enter")
    await page.getByText("I'm the offline coach").waitFor()
    await page.getByRole("button", { name: "Stop" }).click()
    await page.getByText("Stopped before the end").waitFor()
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("prompt")
    const shown = await page.locator(".message-assistant .message-text").textContent()
    expect(shown).not.toContain("Try saying it again")

    await page.getByRole("link", { name: "History" }).click()
    await page.getByText("Incomplete: the reply was cut off").waitFor()
    const sessionId = (await currentSessionId(page))!
    const reply = (await stored(sessionId)).items.find((item) => item.role === "assistant")
    expect(reply?.status).toBe("incomplete")
    await app.screenshot("history-incomplete")
    expect(app.errors).toEqual([])
    await app.close()
  })

  it("deletes the session after a confirmation", async () => {
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app
    const sessionId = (await currentSessionId(page))!
    // An earlier exchange, stored through the service; the page adds one more.
    const earlier = [
      { messageId: "m-earlier-1", role: "user", text: "Hello coach" },
      { messageId: "m-earlier-2", role: "assistant", text: "Hello, what shall we practise?" }
    ] as const
    for (const message of earlier) await e2e.service.call(ingestMessage({ sessionId, ...message }))
    await sendAndWait(page, "One more thing")
    expect((await stored(sessionId)).items).toHaveLength(4)

    await page.getByRole("link", { name: "History" }).click()
    // By keyboard: the question takes focus on its safe answer, and Escape backs out.
    await page.getByRole("button", { name: "Delete this session…" }).focus()
    await page.keyboard.press("Enter")
    await page.getByText("This cannot be undone").waitFor()
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel")
    await page.keyboard.press("Escape")
    await page.getByRole("button", { name: "Delete this session…" }).waitFor()
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Delete this session…")
    expect((await stored(sessionId)).items).toHaveLength(4)

    await page.getByRole("button", { name: "Delete this session…" }).click()
    await page.getByRole("button", { name: "Yes, delete it" }).click()
    await page.getByText("Session deleted (4 messages removed).").waitFor()
    expect((await stored(sessionId)).items).toHaveLength(0)
    await app.screenshot("history-deleted")

    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Start a new session")
    await page.keyboard.press("Enter")
    await page.getByText("No role play in progress.").waitFor()
    expect(await currentSessionId(page)).not.toBe(sessionId)
    expect(app.errors).toEqual([])
    await app.close()
  })
})
