// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import type { SessionSummary } from "../api-types.ts"
import { fakeService } from "../test-support/fake-service.ts"
import { renderWithService } from "../test-support/render-with-service.tsx"
import { MySessionsPage } from "./my-sessions-page.tsx"

afterEach(() => {
  cleanup()
})

const summary = (sessionId: string, title: string | null, messageCount: number): SessionSummary => ({
  sessionId,
  title,
  createdAt: Date.UTC(2026, 11, 1, 9),
  lastActivityAt: Date.UTC(2026, 11, 1, 10),
  messageCount,
  interactionOpen: false
})

const entries = () =>
  within(screen.getByRole("list", { name: "Sessions, newest first" }))
    .getAllByRole("button")
    .map((button) => button.querySelector(".session-title")?.textContent)

describe("My sessions", () => {
  it("lists the user's sessions in the service's order, marks the current one, and opens the one clicked", async () => {
    const service = fakeService({
      "GET /sessions?limit=20": [
        {
          json: {
            sessions: [
              { ...summary("s-new", "Practise asking for a raise", 4), interactionOpen: true },
              summary("s-old", null, 1)
            ],
            nextCursor: null
          }
        }
      ]
    })
    const opened: Array<string> = []
    renderWithService(
      service,
      <MySessionsPage currentSessionId="s-old" onOpen={(id) => opened.push(id)} onNew={() => {}} />
    )
    await screen.findByText("Practise asking for a raise")
    expect(entries()).toEqual(["Practise asking for a raise", "Untitled session"])
    expect(screen.getByText("Interaction open")).toBeTruthy()
    expect(screen.getByText(/^4 messages/)).toBeTruthy()
    expect(screen.getByText(/^1 message ·/)).toBeTruthy()
    const current = screen.getByRole("button", { current: true })
    expect(current.textContent).toContain("Untitled session")
    fireEvent.click(screen.getByText("Practise asking for a raise"))
    expect(opened).toEqual(["s-new"])
    expect(screen.queryByRole("button", { name: "Show older sessions" })).toBeNull()
  })

  it("pages on with the cursor, older sessions below the newer", async () => {
    const service = fakeService({
      "GET /sessions?limit=20&cursor=c-2": [
        { json: { sessions: [summary("s-1", "First", 2)], nextCursor: null } }
      ],
      "GET /sessions?limit=20": [{ json: { sessions: [summary("s-2", "Second", 2)], nextCursor: "c-2" } }]
    })
    renderWithService(service, <MySessionsPage currentSessionId="s-9" onOpen={() => {}} onNew={() => {}} />)
    fireEvent.click(await screen.findByRole("button", { name: "Show older sessions" }))
    await screen.findByText("First")
    expect(entries()).toEqual(["Second", "First"])
    expect(screen.queryByRole("button", { name: "Show older sessions" })).toBeNull()
  })

  it("with no sessions yet, says how one starts; New session starts one", async () => {
    const service = fakeService({ "GET /sessions": [{ json: { sessions: [], nextCursor: null } }] })
    let started = 0
    renderWithService(
      service,
      <MySessionsPage currentSessionId="s-1" onOpen={() => {}} onNew={() => (started += 1)} />
    )
    await screen.findByText(/No sessions yet/)
    fireEvent.click(screen.getByRole("button", { name: "New session" }))
    expect(started).toBe(1)
  })

  it("a failed read says so and can be retried", async () => {
    const service = fakeService({
      "GET /sessions": [
        {
          json: { error: { code: "store_unavailable", message: "The store is not answering." } },
          status: 503
        },
        { json: { sessions: [summary("s-1", "Back again", 2)], nextCursor: null } }
      ]
    })
    renderWithService(service, <MySessionsPage currentSessionId="s-1" onOpen={() => {}} onNew={() => {}} />)
    await screen.findByText("The store is not answering.")
    fireEvent.click(screen.getByRole("button", { name: "Retry" }))
    await screen.findByText("Back again")
  })
})
