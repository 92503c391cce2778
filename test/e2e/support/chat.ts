import type { Page } from "playwright-core"

/** Sends a message from the chat page and waits until the coach's reply has finished streaming. */
export const sendAndWait = async (page: Page, text: string): Promise<void> => {
  const replies = page.locator(".message-assistant")
  const before = await replies.count()
  await page.getByLabel("Message", { exact: true }).fill(text)
  await page.keyboard.press("Enter")
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
