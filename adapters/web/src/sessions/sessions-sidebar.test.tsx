// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import type { SessionSummary } from "../api-types.ts"
import { fakeService } from "../test-support/fake-service.ts"
import { renderWithService } from "../test-support/render-with-service.tsx"
import { SessionsSidebar } from "./sessions-sidebar.tsx"

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
  Array.from(
    screen.getByRole("list", { name: "Sessions, newest first" }).querySelectorAll(".session-title"),
    (title) => title.textContent
  )

const sidebar = (
  currentSessionId: string,
  handlers: Partial<Record<"onOpen" | "onNew" | "onDeleted", (sessionId?: string) => void>> = {}
) => (
  <SessionsSidebar
    currentSessionId={currentSessionId}
    refreshKey={0}
    onOpen={handlers.onOpen ?? (() => {})}
    onNew={handlers.onNew ?? (() => {})}
    onDeleted={handlers.onDeleted ?? (() => {})}
  />
)

describe("the sessions sidebar", () => {
  it("lists the user's sessions with messages in the service's order, marks the current one, and opens the one clicked", async () => {
    const service = fakeService({
      "GET /sessions?limit=20": [
        {
          json: {
            sessions: [
              { ...summary("s-new", "Practise asking for a raise", 4), interactionOpen: true },
              summary("s-old", null, 1),
              summary("s-emptied", null, 0)
            ],
            nextCursor: null
          }
        }
      ]
    })
    const opened: Array<string> = []
    renderWithService(service, sidebar("s-old", { onOpen: (id) => opened.push(id!) }))
    await screen.findByText("Practise asking for a raise")
    expect(entries()).toEqual(["Practise asking for a raise", "Untitled session"])
    expect(screen.getByText("Role play open")).toBeTruthy()
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
    renderWithService(service, sidebar("s-9"))
    fireEvent.click(await screen.findByRole("button", { name: "Show older sessions" }))
    await screen.findByText("First")
    expect(entries()).toEqual(["Second", "First"])
    expect(screen.queryByRole("button", { name: "Show older sessions" })).toBeNull()
  })

  it("with no sessions yet, says how one starts; New session starts one", async () => {
    const service = fakeService({ "GET /sessions": [{ json: { sessions: [], nextCursor: null } }] })
    let started = 0
    renderWithService(service, sidebar("s-1", { onNew: () => (started += 1) }))
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
    renderWithService(service, sidebar("s-1"))
    await screen.findByText("The store is not answering.")
    fireEvent.click(screen.getByRole("button", { name: "Retry" }))
    await screen.findByText("Back again")
  })

  it("deletes a session after a confirmation: Cancel and Escape keep it, Yes removes it from the list", async () => {
    const service = fakeService({
      "GET /sessions": [
        {
          json: {
            sessions: [summary("s-a", "Raise talk", 4), summary("s-b", "Feedback", 2)],
            nextCursor: null
          }
        }
      ],
      "DELETE /sessions/s-a": [{ json: { sessionId: "s-a", deleted: 4 } }]
    })
    const deleted: Array<string> = []
    renderWithService(service, sidebar("s-a", { onDeleted: (id) => deleted.push(id!) }))
    fireEvent.click(await screen.findByRole("button", { name: "Delete “Raise talk”" }))
    const question = screen.getByRole("alertdialog")
    expect(question.textContent).toContain("This cannot be undone")
    expect(document.activeElement?.textContent).toBe("Cancel")
    fireEvent.keyDown(question, { key: "Escape" })
    expect(screen.queryByRole("alertdialog")).toBeNull()
    fireEvent.click(screen.getByRole("button", { name: "Delete “Raise talk”" }))
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Yes, delete it" }))
    await waitFor(() => expect(entries()).toEqual(["Feedback"]))
    expect(deleted).toEqual(["s-a"])
    expect(service.requests.filter((request) => request.method === "DELETE").map((r) => r.path)).toEqual([
      "/sessions/s-a"
    ])
  })
})
