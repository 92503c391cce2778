import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { sessionContext, sessionMessages, setUserOptOut } from "../support/api-client.ts"
import { appAndBrowser } from "./support/app-service.ts"
import { openApp } from "./support/browser.ts"
import { contextSizes, currentSessionId, openChat, sendAndWait } from "./support/chat.ts"
import { settingLoaded } from "./support/privacy.ts"

const e2e = appAndBrowser()

/** Sets the (one local) user's opt-out through the service, as a test's starting point. */
const userOptsOut = async (optOut: boolean) => {
  const reply = await e2e.service.call(setUserOptOut(optOut))
  expect(reply.transcriptPersistenceOptOut).toBe(optOut)
}

/** Every byte under DATA_DIR (the SQLite file and its write-ahead log), as text. */
const durableBytes = async () => {
  const files = await readdir(e2e.service.dataDir)
  expect(files).toContain("coachup.sqlite")
  const contents = await Promise.all(files.map((file) => readFile(join(e2e.service.dataDir, file), "latin1")))
  return contents.join("\n")
}

describe("the transcript opt-out in the browser", () => {
  it("persists across a reload, and a chat then leaves no message in the store while keeping its context", async () => {
    await userOptsOut(false)
    const app = await openApp(e2e.browser, e2e.service.url)
    const { page } = app
    await page.goto("/settings")
    const optOut = page.getByLabel("Don't keep my transcripts")
    await page.getByText("not stored in the database").waitFor()
    await settingLoaded(page)
    expect(await optOut.isChecked()).toBe(false)
    await optOut.check()
    await page.getByText("Saved.").waitFor()
    await page.reload()
    await page.getByText("not stored in the database").waitFor()
    await settingLoaded(page)
    expect(await optOut.isChecked()).toBe(true)
    await app.screenshot("settings-opted-out")

    await page.getByRole("link", { name: "Chat" }).click()
    await settingLoaded(page)
    expect(await page.getByLabel("Don't keep this session's transcript").isChecked()).toBe(true)
    await sendAndWait(page, "My secret word is zebra-quartz-42")
    await sendAndWait(page, "And the second secret is ocelot-marble-17")
    expect(await contextSizes(page)).toEqual([1, 3])
    await page.getByText("I received 3 messages of context").waitFor()
    await page.reload()
    await page.getByText("these are the recent messages the service holds in memory").waitFor()
    expect(await page.locator(".message").count()).toBe(4)
    await sendAndWait(page, "Do you still remember the first one?")
    expect(await contextSizes(page)).toEqual([5])
    await app.screenshot("chat-opted-out")

    const sessionId = (await currentSessionId(page))!
    expect(await e2e.service.call(sessionMessages(sessionId))).toMatchObject({ items: [] })
    const context = await e2e.service.call(sessionContext(sessionId, "chat"))
    expect(context).toMatchObject({ source: "memory", reason: "not_persisted" })
    const bytes = await durableBytes()
    expect(bytes).not.toContain("zebra-quartz-42")
    expect(bytes).not.toContain("ocelot-marble-17")
    expect(app.errors).toEqual([])
    await app.close()
  })

  it("a session's own switch overrides the user's opt-out: this session is kept", async () => {
    await userOptsOut(true)
    const app = await openChat(e2e.browser, e2e.service.url)
    const { page } = app
    // The user has opted out: a new session starts out following that.
    const keepNot = page.getByLabel("Don't keep this session's transcript")
    await settingLoaded(page)
    expect(await keepNot.isChecked()).toBe(true)
    const saved = page.waitForResponse(
      (response) => response.request().method() === "PUT" && response.url().endsWith("/privacy")
    )
    await keepNot.uncheck()
    expect((await saved).status()).toBe(200)
    await page.reload()
    await settingLoaded(page)
    expect(await keepNot.isChecked()).toBe(false)

    await sendAndWait(page, "Keep this one: heron-copper-88")
    const sessionId = (await currentSessionId(page))!
    const stored = await e2e.service.call(sessionMessages(sessionId))
    expect(stored.items[0]?.text).toBe("Keep this one: heron-copper-88")
    await app.screenshot("chat-session-kept")
    expect(app.errors).toEqual([])
    await app.close()
  })
})
