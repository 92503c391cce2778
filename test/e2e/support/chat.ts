import type { Browser, Page } from "playwright-core"
import { type AppPage, openApp } from "./browser.ts"

/** A fresh browser context on the chat page, once it has read the session's interactions. */
export const openChat = async (
  browser: Browser,
  baseURL: string,
  viewport?: { width: number; height: number }
): Promise<AppPage> => {
  const app = await openApp(browser, baseURL, viewport)
  await app.page.goto("/")
  await app.page.getByText("No role play in progress.").waitFor()
  return app
}

/**
 * Sends a message from the chat page and waits until the coach's reply has finished streaming. By
 * Enter in the textarea, or by clicking the Send button (which takes the focus from the textarea).
 */
export const sendAndWait = async (
  page: Page,
  text: string,
  by: "Enter" | "Send button" = "Enter"
): Promise<void> => {
  const replies = page.locator(".message-assistant")
  const before = await replies.count()
  await page.getByLabel("Message", { exact: true }).fill(text)
  if (by === "Enter") await page.keyboard.press("Enter")
  else await page.getByRole("button", { name: "Send" }).click()
  await replies.nth(before).waitFor()
  await page.getByRole("button", { name: "Send" }).waitFor()
}

/** The context sizes the replies on the page report, oldest first. */
export const contextSizes = async (page: Page): Promise<Array<number>> =>
  (await page.locator(".message-assistant .message-meta").allTextContents()).map((text) =>
    Number(/Context: (\d+)/.exec(text)?.[1])
  )

export const currentSessionId = (page: Page): Promise<string | null> =>
  page.evaluate(() => localStorage.getItem("coachup.sessionId"))
