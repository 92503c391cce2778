// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { renderWithService } from "../test-support/render-with-service.tsx"
import { fakeService } from "../test-support/fake-service.ts"
import { SettingsPage } from "./settings-page.tsx"

afterEach(() => {
  cleanup()
})

const optOutBox = () => screen.getByLabelText<HTMLInputElement>("Don't keep my transcripts")

describe("the settings page", () => {
  it("loads the user's choice and saves a change", async () => {
    const service = fakeService({
      "GET /settings/privacy": [{ json: { userId: "local", transcriptPersistenceOptOut: false } }],
      "PUT /settings/privacy": [{ json: { userId: "local", transcriptPersistenceOptOut: true } }]
    })
    renderWithService(service, <SettingsPage />)
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
    renderWithService(
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
      }),
      <SettingsPage />
    )
    await waitFor(() => expect(optOutBox().disabled).toBe(false))
    fireEvent.click(optOutBox())
    expect((await screen.findByRole("alert")).textContent).toContain("The store is unavailable.")
    expect(optOutBox().checked).toBe(false)
  })
})
