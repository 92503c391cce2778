// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { renderWithService } from "../test-support/render-with-service.tsx"
import { type FakeAnswer, fakeService, replyParts } from "../test-support/fake-service.ts"
import { ChatPage } from "./chat-page.tsx"

const SESSION = "s-test"

const emptySession: Record<string, ReadonlyArray<FakeAnswer>> = {
  [`GET /sessions/${SESSION}/messages`]: [
    { json: { sessionId: SESSION, order: "asc", items: [], nextCursor: null } }
  ],
  [`GET /sessions/${SESSION}/context?for=chat`]: [
    {
      json: {
        sessionId: SESSION,
        for: "chat",
        limit: 20,
        systemPrompt: "You are the coach.",
        source: "store",
        reason: "store",
        messages: []
      }
    }
  ],
  [`GET /sessions/${SESSION}/groups`]: [{ json: { sessionId: SESSION, groups: [] } }],
  [`GET /sessions/${SESSION}/privacy`]: [
    { json: { sessionId: SESSION, transcriptPersistenceOptOut: false, source: "default" } }
  ],
  // A session nobody has written to: no reply to resume.
  [`GET /chat/${SESSION}/stream`]: [
    { json: { error: { code: "session_not_found", message: "no such session" } }, status: 404 }
  ]
}

const start = (chat: ReadonlyArray<FakeAnswer>, resumed: Record<string, ReadonlyArray<FakeAnswer>> = {}) => {
  const service = fakeService({ ...emptySession, "POST /chat/stream": chat, ...resumed })
  renderWithService(service, <ChatPage sessionId={SESSION} />)
  return service
}

const send = async (text: string) => {
  const input = screen.getByLabelText("Message")
  await waitFor(() => expect(screen.getByText(/Say hello/)).toBeTruthy())
  fireEvent.change(input, { target: { value: text } })
  // As a pointer would: the button takes focus first (fireEvent.click alone moves none).
  const button = screen.getByRole("button", { name: "Send" })
  button.focus()
  expect(document.activeElement).toBe(button)
  fireEvent.click(button)
}

afterEach(() => {
  cleanup()
  localStorage.clear()
})

describe("the chat page", () => {
  it("sends the prompt with its messageId and the session header, streams the reply and shows its context", async () => {
    const service = start([{ stream: replyParts("a-1", "Hello there, let us begin.", 1) }])
    await send("Hi coach")
    await screen.findByText("Hello there, let us begin.")
    expect(screen.getByText("Context: 1 message")).toBeTruthy()
    const chat = service.requests.find((request) => request.path === "/chat/stream")!
    expect(chat.headers.get("x-session-id")).toBe(SESSION)
    expect(chat.body).toEqual({ prompt: "Hi coach", messageId: expect.any(String) })
    expect(document.activeElement).toBe(screen.getByLabelText("Message"))
  })

  it("resumes a reply still streaming when it opens, through the session's resume path", async () => {
    const service = start([], {
      [`GET /chat/${SESSION}/stream`]: [{ stream: replyParts("a-9", "The reply goes on here.") }]
    })
    await screen.findByText("The reply goes on here.")
    expect(
      service.requests.some(
        (request) => request.method === "GET" && request.path === `/chat/${SESSION}/stream`
      )
    ).toBe(true)
    expect(screen.queryByRole("alert")).toBeNull()
  })

  it("says when to retry after a 429, and the retry resends the same messageId", async () => {
    const service = start([
      {
        status: 429,
        headers: { "retry-after": "7" },
        json: { error: { code: "rate_limited", message: "Too many chat requests", requestId: "r-1" } }
      },
      { stream: replyParts("a-1", "Now I can answer.") }
    ])
    await send("Are you there?")
    expect((await screen.findByRole("alert")).textContent).toContain("You can retry in 7 s.")
    fireEvent.click(screen.getByRole("button", { name: "Retry" }))
    await screen.findByText("Now I can answer.")
    expect(screen.queryByRole("alert")).toBeNull()
    const sent = service.requests
      .filter((request) => request.path === "/chat/stream")
      .map((request) => request.body)
    expect(sent).toHaveLength(2)
    expect(sent[1]).toEqual(sent[0])
    expect(screen.getAllByText("Are you there?")).toHaveLength(1)
  })

  it("explains that the service is down instead of going blank", async () => {
    start([{ unreachable: true }])
    await send("Hello?")
    expect((await screen.findByRole("alert")).textContent).toContain("cannot be reached")
    expect(screen.getByText("Hello?")).toBeTruthy()
    expect(screen.getByRole("button", { name: "Retry" })).toBeTruthy()
  })

  it("shows a provider failure that arrives inside the stream", async () => {
    start([
      {
        stream: [
          { type: "start", messageId: "a-1", messageMetadata: {} },
          { type: "text-start", id: "t" },
          { type: "text-delta", id: "t", delta: "Partial " },
          { type: "text-end", id: "t" },
          {
            type: "error",
            errorText: "The coach could not finish this reply (provider_error). Please try again."
          }
        ]
      }
    ])
    await send("Hello")
    expect((await screen.findByRole("alert")).textContent).toContain("could not finish this reply")
  })

  it("renders a reply's Markdown with raw HTML dropped and only safe links", async () => {
    start([
      {
        stream: replyParts(
          "a-1",
          "**Open** with:\n\n- your *wins*\n- [a guide](https://example.com/guide) <b>raw</b> [bad](javascript:alert(1))"
        )
      }
    ])
    await send("How do I start?")
    const strong = await screen.findByText("Open")
    expect(strong.tagName).toBe("STRONG")
    expect(screen.getByText("wins").tagName).toBe("EM")
    const link = screen.getByRole("link", { name: "a guide" })
    expect(link.getAttribute("href")).toBe("https://example.com/guide")
    expect(link.getAttribute("rel")).toContain("noopener")
    expect(screen.getByText("bad").getAttribute("href") ?? "").not.toContain("javascript")
    expect(document.querySelector(".message-assistant b")).toBeNull()
  })

  it("copies a reply's text", async () => {
    const copied: Array<string> = []
    Object.defineProperty(navigator, "clipboard", {
      value: { writeText: async (text: string) => void copied.push(text) },
      configurable: true
    })
    start([{ stream: replyParts("a-1", "Say it **calmly**.") }])
    await send("Any tip?")
    fireEvent.click(await screen.findByRole("button", { name: "Copy" }))
    await screen.findByRole("button", { name: /^Copied/ })
    expect(copied).toEqual(["Say it **calmly**."])
  })

  it("regenerates the last reply: the same prompt again, naming the reply it replaces, which stays shown as replaced", async () => {
    const service = start([
      { stream: replyParts("a-1", "First answer.") },
      { stream: replyParts("a-2", "Second answer.") }
    ])
    await send("Help me open the talk")
    await screen.findByText("First answer.")
    fireEvent.click(screen.getByRole("button", { name: "Regenerate" }))
    await screen.findByText("Second answer.")
    const [first, again] = service.requests
      .filter((request) => request.path === "/chat/stream")
      .map((request) => request.body as Record<string, unknown>)
    expect(again).toEqual({ ...first, replaces: "a-1" })
    const replies = Array.from(document.querySelectorAll(".message-assistant"), (reply) => ({
      text: reply.querySelector(".message-text")?.textContent,
      replaced: reply.classList.contains("message-replaced")
    }))
    expect(replies).toEqual([
      { text: "First answer.", replaced: true },
      { text: "Second answer.", replaced: false }
    ])
    expect(screen.getByText("Replaced by a newer reply")).toBeTruthy()
    // Only the newest reply can be regenerated.
    expect(screen.getAllByRole("button", { name: "Regenerate" })).toHaveLength(1)
  })
})
