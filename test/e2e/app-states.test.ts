import type { Page } from "playwright-core"
import { beforeAll, describe, expect, it } from "vitest"
import { ingestMessage, setSessionOptOut, userMessageClassified } from "../support/api-client.ts"
import { appAndBrowser } from "./support/app-service.ts"
import { seriousViolations } from "./support/axe.ts"
import { type AppPage, openApp, PHONE } from "./support/browser.ts"

const e2e = appAndBrowser({ ASSESSMENT_POLL_MS: "50" })

const SIZES = [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", PHONE]
] as const

/** Two assessed role plays in two sessions of the local user, a day of practice apart in order. */
const PRACTICE = ["practice-monday", "practice-tuesday"] as const

/** The second role play acknowledges the manager and asks plainly, so its scores differ from the first's. */
const ASKS = {
  "practice-monday": "I led two launches this year, so maybe I just would like a raise.",
  "practice-tuesday":
    "I understand budgets are tight and I appreciate your support. I need a ten percent raise because I led two launches."
} as const

const rolePlay = async (sessionId: (typeof PRACTICE)[number]) => {
  const say = (messageId: string, text: string) =>
    e2e.service.call(userMessageClassified({ sessionId, messageId, text }))
  await say("m1", "Can we role play asking my manager for a raise? You be my manager.")
  await e2e.service.call(
    ingestMessage({
      sessionId,
      messageId: "m2",
      role: "assistant",
      text: "Sure. What would you like to discuss?"
    })
  )
  await say("m3", ASKS[sessionId])
  await say("m4", "Okay, let's stop the role play here. How did I do?")
}

beforeAll(async () => {
  for (const sessionId of PRACTICE) await rolePlay(sessionId)
  const deadline = Date.now() + 15_000
  for (;;) {
    const { assessments } = await e2e.service.call((client) => client.me.myAssessments())
    if (assessments.length === 2 && assessments.every((assessment) => assessment.status === "completed"))
      return
    if (Date.now() > deadline)
      throw new Error(`the practice was not assessed: ${JSON.stringify(assessments)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
})

/** Until no placeholder is left and no request has been made for a while. */
const settled = async (page: Page) => {
  await page.waitForLoadState("networkidle")
  await page.locator(".skeleton").first().waitFor({ state: "detached" })
}

/** Once the page has settled: its screenshot saved, and no serious or critical accessibility violation. */
const lookedAt = async (app: AppPage, name: string) => {
  await settled(app.page)
  await app.screenshot(name)
  expect(await seriousViolations(app.page)).toEqual([])
}

/** Console errors other than the failures a test provoked on purpose (`expected`). */
const unexpected = (app: AppPage, expected: RegExp) => app.errors.filter((error) => !expected.test(error))

/** Delete buttons on the session's own page: none there (the sessions list beside it may offer one). */
const deleteButtonsOnPage = (page: Page) =>
  page
    .locator("main")
    .getByRole("button", { name: /Delete/ })
    .count()

describe.each(SIZES)("the app's states at %s size", (size, viewport) => {
  it("charts each criterion's scores across my sessions, oldest to newest", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    await app.page.goto(`/assessments?session=${PRACTICE[1]}`)
    const charts = app.page.locator(".trend svg")
    await charts.first().waitFor()
    const labels = await charts.evaluateAll((svgs) => svgs.map((svg) => svg.getAttribute("aria-label")))
    expect(labels.length).toBeGreaterThan(0)
    for (const label of labels)
      expect(label).toMatch(/ across 2 assessments, oldest to newest: \d, \d out of 5$/)
    expect(await app.page.locator(".trend").first().locator("circle").count()).toBe(2)
    // Readable on a phone: no chart is wider than the page.
    const widest = await charts.evaluateAll((svgs) =>
      Math.max(...svgs.map((svg) => svg.getBoundingClientRect().right))
    )
    expect(widest).toBeLessThanOrEqual(viewport.width)
    await app.page.getByText("The scores as a table").click()
    expect(await app.page.locator(".trend-table tbody tr").count()).toBe(2)
    await lookedAt(app, `states-progress-${size}`)
    expect(app.errors).toEqual([])
    await app.close()
  })

  it("shows skeletons while the chat loads, then what to say, and how to connect a model", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    const { page } = app
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.route(/\/sessions\/[^/]+\/messages/, async (route) => {
      await held
      await route.continue()
    })
    await page.goto(`/?session=fresh-${size}`)
    await page.getByRole("status").filter({ hasText: "Loading the conversation…" }).waitFor()
    expect(await page.locator("main .skeleton-block").count()).toBe(3)
    await app.screenshot(`states-chat-loading-${size}`)
    release()
    await page.getByText("Say hello, or ask to practise a conversation").waitFor()
    expect(await page.locator(".skeleton").count()).toBe(0)

    await page.getByText("The offline coach is answering").click()
    await page.getByText("LLM_PROVIDER=openai").waitFor()
    await lookedAt(app, `states-chat-empty-${size}`)
    expect(unexpected(app, /status of 404/)).toEqual([])
    await app.close()
  })

  it("says an opted-out session is not stored and why, with nothing to delete; an empty one says what to do", async () => {
    const sessionId = `unstored-${size}`
    await e2e.service.call(setSessionOptOut(sessionId, true))
    await e2e.service.call(userMessageClassified({ sessionId, messageId: "m1", text: "Hello coach" }))
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    const { page } = app
    await page.goto(`/history?session=${sessionId}`)
    await page.getByText("This session is not stored.").waitFor()
    await page.getByText("You switched on “Don't keep this session's transcript” in Chat.").waitFor()
    expect(await deleteButtonsOnPage(page)).toBe(0)
    expect(await page.getByText("No messages yet").count()).toBe(0)
    await lookedAt(app, `states-history-not-stored-${size}`)

    await page.goto(`/history?session=nothing-yet-${size}`)
    await page.getByText("No messages yet. What you and the coach say in Chat is kept here").waitFor()
    expect(await deleteButtonsOnPage(page)).toBe(0)
    await lookedAt(app, `states-history-empty-${size}`)
    expect(unexpected(app, /status of 404/)).toEqual([])
    await app.close()
  })

  it("says what failed and retries when asked", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    const { page } = app
    // The store fails until the test has seen the failure; Retry then succeeds.
    let failing = true
    await page.route(/\/me\/assessments$/, (route) =>
      failing
        ? route.fulfill({
            status: 503,
            contentType: "application/json",
            body: JSON.stringify({
              error: { code: "store_unavailable", message: "The store is not answering.", requestId: "r-1" }
            })
          })
        : route.continue()
    )
    await page.goto(`/assessments?session=${PRACTICE[1]}`)
    await page.getByRole("alert").filter({ hasText: "The store is not answering." }).waitFor()

    await lookedAt(app, `states-error-${size}`)
    failing = false
    await page.getByRole("button", { name: "Retry" }).click()
    await page.locator(".trend svg").first().waitFor()
    expect(await page.getByRole("alert").count()).toBe(0)
    expect(unexpected(app, /status of 503/)).toEqual([])
    await app.close()
  })

  it("answers an unknown address with the app's page-not-found page and status 404", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    const { page } = app
    const response = await page.goto("/no-such-page")
    expect(response?.status()).toBe(404)
    await page.getByRole("heading", { name: "Page not found" }).waitFor()
    expect(await page.title()).toBe("Page not found · Coach Up")
    await page.getByRole("link", { name: "Go to Chat" }).click()
    await page.getByRole("heading", { name: "Chat" }).waitFor()
    await page.goBack()
    await page.getByRole("heading", { name: "Page not found" }).waitFor()
    await app.screenshot(`states-not-found-${size}`)
    expect(await seriousViolations(page)).toEqual([])
    expect(unexpected(app, /status of 404/)).toEqual([])
    await app.close()
  })

  it("every page has no serious or critical accessibility violation", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, viewport)
    for (const path of ["/", "/my-sessions", "/history", "/assessments", "/settings"]) {
      await app.page.goto(`${path}?session=${PRACTICE[0]}`)
      await settled(app.page)
      expect({ path, violations: await seriousViolations(app.page) }).toEqual({ path, violations: [] })
    }
    expect(app.errors).toEqual([])
    await app.close()
  }, 120_000)
})

describe("the chat from the keyboard", () => {
  it("tabs from the top of the page through its controls to the composer and sends a message", async () => {
    const app = await openApp(e2e.browser, e2e.service.url, { width: 1280, height: 800 })
    const { page } = app
    await page.goto("/?session=keyboard")
    await page.getByText("Say hello, or ask to practise a conversation").waitFor()
    // Tabbing starts from the top of the page, not from the composer the page focused.
    await page.evaluate(() => {
      document.body.tabIndex = -1
      document.body.focus()
      document.body.removeAttribute("tabindex")
    })

    const visited: Array<string> = []
    for (let step = 0; step < 30 && !visited.includes("textarea Message"); step++) {
      await page.keyboard.press("Tab")
      visited.push(
        await page.evaluate(() => {
          const focused = document.activeElement as HTMLElement
          const label =
            focused.closest("label") ??
            (focused.id === "" ? null : document.querySelector(`label[for="${focused.id}"]`))
          return `${focused.tagName.toLowerCase()} ${(label ?? focused).textContent?.trim()}`
        })
      )
    }
    expect(visited[0]).toBe("a Skip to content")
    for (const control of [
      "a Chat",
      "a History",
      "a Assessments",
      "a Settings",
      "button New session",
      "textarea Message"
    ])
      expect(visited).toContain(control)
    expect(visited.some((entry) => entry.startsWith("input Don't keep"))).toBe(true)
    expect(visited.some((entry) => entry.startsWith("summary The offline coach"))).toBe(true)

    await page.keyboard.type("Hello coach, typed from the keyboard")
    await page.keyboard.press("Enter")
    await page.locator(".message-assistant").first().waitFor()
    await page.getByRole("button", { name: "Send" }).waitFor()
    expect(await page.locator(".message-user").first().textContent()).toContain("typed from the keyboard")
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("prompt")

    // The next step, by keyboard too: Shift+Tab back to a page link, Enter follows it.
    for (let step = 0; step < 30; step++) {
      await page.keyboard.press("Shift+Tab")
      if (await page.evaluate(() => document.activeElement?.textContent === "Assessments")) break
    }
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { name: "Progress over time" }).waitFor()
    await app.screenshot("states-keyboard-after-send")
    expect(await seriousViolations(page)).toEqual([])
    expect(unexpected(app, /status of 404/)).toEqual([])
    await app.close()
  })
})
