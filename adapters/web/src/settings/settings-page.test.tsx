// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react"
import { afterEach, describe, expect, it, vi } from "vitest"
import { fakeService } from "../test-support/fake-service.ts"
import { SettingsPage } from "./settings-page.tsx"

afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

const optOutBox = () => screen.getByLabelText<HTMLInputElement>("Don't keep my transcripts")

describe("the settings page", () => {
  it("loads the user's choice and saves a change", async () => {
    const service = fakeService({
      "GET /settings/privacy": [{ json: { userId: "local", transcriptPersistenceOptOut: false } }],
      "PUT /settings/privacy": [{ json: { userId: "local", transcriptPersistenceOptOut: true } }]
    })
    vi.stubGlobal("fetch", service.fetch)
    render(<SettingsPage />)
    await waitFor(() => expect(optOutBox().disabled).toBe(false))
    expect(optOutBox().checked).toBe(false)
    fireEvent.click(optOutBox())
    await screen.findByText("Saved.")
    expect(optOutBox().checked).toBe(true)
    expect(service.requests.at(-1)).toMatchObject({
      method: "PUT",
      body: { transcriptPersistenceOptOut: true }
    })
  })

  it("puts the box back and says why when the service does not take the change", async () => {
    vi.stubGlobal(
      "fetch",
      fakeService({
        "GET /settings/privacy": [{ json: { userId: "local", transcriptPersistenceOptOut: false } }],
        "PUT /settings/privacy": [
          {
            status: 503,
            json: {
              error: { code: "store_unavailable", message: "The store is unavailable.", requestId: "r" }
            }
          }
        ]
      }).fetch
    )
    render(<SettingsPage />)
    await waitFor(() => expect(optOutBox().disabled).toBe(false))
    fireEvent.click(optOutBox())
    expect((await screen.findByRole("alert")).textContent).toContain("The store is unavailable.")
    expect(optOutBox().checked).toBe(false)
  })
})
