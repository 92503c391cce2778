import { useChat } from "@ai-sdk/react"
import { type FormEvent, Fragment, type KeyboardEvent, useEffect, useMemo, useRef, useState } from "react"
import type { InteractionGroup, Message } from "../api-types.ts"
import { ErrorNotice } from "../error-notice.tsx"
import { SkeletonLines } from "../skeleton.tsx"
import { useService } from "../service-context.ts"
import { loadConversation, loadGroups } from "../transcript.ts"
import { type CoachMessage, chatTransport, stopReplyOnService } from "./chat-transport.ts"
import { InteractionStatus } from "./interaction-status.tsx"
import { MessageItem } from "./message-item.tsx"
import { OfflineCoachNote } from "./offline-coach-note.tsx"
import { SessionPrivacyToggle } from "./session-privacy-toggle.tsx"
import "./chat.css"

const GROUPS_RECHECK_MS = 2000

const asChatMessage = (item: Message): CoachMessage => ({
  id: item.messageId,
  role: item.role,
  parts: [{ type: "text", text: item.text }],
  metadata: {
    ...(item.status === undefined ? {} : { status: item.status }),
    ...(item.replaced === true ? { replaced: true } : {})
  }
})

/**
 * Chat with the coach in one session: the reply streams in, and the session resumes on return. The
 * page's heading and the composer stay put; the conversation scrolls between them.
 */
export function ChatPage(props: { readonly sessionId: string; readonly onTurnEnded?: () => void }) {
  const { sessionId, onTurnEnded } = props
  const service = useService()
  const transport = useMemo(() => chatTransport(service, sessionId), [service, sessionId])
  const [turns, setTurns] = useState(0)
  const [stopped, setStopped] = useState<ReadonlySet<string>>(new Set())
  // Replies regenerated on this page, by the prompt they answered: the chat drops them, the page keeps
  // showing them (marked), as the transcript does.
  const [replacedAfter, setReplacedAfter] = useState<ReadonlyMap<string, ReadonlyArray<CoachMessage>>>(
    new Map()
  )
  const { messages, setMessages, sendMessage, regenerate, stop, status, error } = useChat<CoachMessage>({
    id: sessionId,
    transport,
    // A reply still streaming (this page reloaded, or the session open in another tab) continues here.
    resume: true,
    onFinish: ({ message, isAbort }) => {
      if (isAbort) setStopped((ids) => new Set(ids).add(message.id))
      setTurns((count) => count + 1)
      onTurnEnded?.()
    },
    onError: () => setTurns((count) => count + 1)
  })
  const [loadError, setLoadError] = useState<unknown>(null)
  const [loaded, setLoaded] = useState(false)
  const [fromMemory, setFromMemory] = useState(false)
  const [groups, setGroups] = useState<ReadonlyArray<InteractionGroup> | null | "unavailable">(null)
  const [input, setInput] = useState("")
  const inputRef = useRef<HTMLTextAreaElement>(null)
  const listRef = useRef<HTMLOListElement>(null)

  const resume = () => {
    setLoadError(null)
    loadConversation(service, sessionId)
      .then((conversation) => {
        setMessages(conversation.messages.map(asChatMessage))
        setFromMemory(conversation.fromMemory)
        setLoaded(true)
      })
      .catch(setLoadError)
  }
  useEffect(resume, [service, sessionId])

  // A turn's classification runs beside its reply and shows in the groups: read them after every
  // turn, and once more a little later for a classifier slower than the reply.
  useEffect(() => {
    const controller = new AbortController()
    const refresh = () =>
      loadGroups(service, sessionId, controller.signal)
        .then(setGroups)
        .catch(() => {
          if (!controller.signal.aborted) setGroups("unavailable")
        })
    void refresh()
    const again = turns === 0 ? undefined : setTimeout(() => void refresh(), GROUPS_RECHECK_MS)
    return () => {
      controller.abort()
      clearTimeout(again)
    }
  }, [service, sessionId, turns])

  // The newest words stay in view: the conversation scrolls, the composer below it does not. Again when
  // the reply ends, which adds its actions below it.
  useEffect(() => {
    const list = listRef.current
    if (list !== null) list.scrollTop = list.scrollHeight
  }, [messages, status])

  const busy = status === "submitted" || status === "streaming"
  const send = (event?: FormEvent) => {
    event?.preventDefault()
    const text = input.trim()
    if (text === "" || busy || !loaded) return
    void sendMessage({ text })
    setInput("")
    inputRef.current?.focus()
  }
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) send(event)
  }
  // The Stop button goes away with the stream: focus moves on to where the next message is typed.
  const stopReply = () => {
    void stop()
    void stopReplyOnService(service, sessionId)
    inputRef.current?.focus()
  }
  const retry = () => {
    void regenerate()
    inputRef.current?.focus()
  }
  /** Asks for another answer to the last prompt: the service keeps the earlier one, marked replaced. */
  const regenerateReply = (reply: CoachMessage, prompt: CoachMessage) => {
    setReplacedAfter((shown) =>
      new Map(shown).set(prompt.id, [
        ...(shown.get(prompt.id) ?? []),
        { ...reply, metadata: { ...reply.metadata, replaced: true } }
      ])
    )
    void regenerate({ messageId: reply.id, body: { replaces: reply.id } })
    inputRef.current?.focus()
  }
  const last = messages.at(-1)
  const lastPrompt = messages.at(-2)

  return (
    <section className="chat" aria-labelledby="chat-heading">
      <div className="chat-header">
        <h1 id="chat-heading">Chat</h1>
        <SessionPrivacyToggle sessionId={sessionId} />
      </div>
      <OfflineCoachNote />
      {loadError !== null ? <ErrorNotice error={loadError} onRetry={resume} /> : null}
      {!loaded && loadError === null ? <SkeletonLines label="Loading the conversation…" lines={3} /> : null}
      {fromMemory ? (
        <p className="notice">
          This session&apos;s transcript is not kept: these are the recent messages the service holds in
          memory while the session is active.
        </p>
      ) : null}
      <ol className="messages" aria-label="Conversation" aria-live="polite" ref={listRef}>
        {loaded && messages.length === 0 ? (
          <li className="empty">
            Say hello, or ask to practise a conversation: “Can we role play asking my manager for a raise?”
          </li>
        ) : null}
        {messages.map((message, index) => (
          <Fragment key={message.id}>
            <MessageItem
              message={message}
              streaming={busy && index === messages.length - 1 && message.role === "assistant"}
              stopped={stopped.has(message.id)}
              onRegenerate={
                !busy && message === last && message.role === "assistant" && lastPrompt?.role === "user"
                  ? () => regenerateReply(message, lastPrompt)
                  : undefined
              }
            />
            {replacedAfter.get(message.id)?.map((reply) => (
              <MessageItem key={`replaced-${reply.id}`} message={reply} streaming={false} stopped={false} />
            ))}
          </Fragment>
        ))}
      </ol>
      <div className="chat-footer">
        {error === undefined ? null : <ErrorNotice error={error} onRetry={retry} />}
        <InteractionStatus groups={groups} />
        <form className="composer" onSubmit={send}>
          <label htmlFor="prompt" className="visually-hidden">
            Message
          </label>
          <textarea
            id="prompt"
            ref={inputRef}
            rows={2}
            value={input}
            placeholder="Message the coach (Enter sends, Shift+Enter adds a line)"
            onChange={(event) => setInput(event.target.value)}
            onKeyDown={onKeyDown}
            autoFocus
          />
          {busy ? (
            <button type="button" className="stop" onClick={stopReply}>
              Stop
            </button>
          ) : (
            <button type="submit" disabled={!loaded || input.trim() === ""}>
              Send
            </button>
          )}
        </form>
      </div>
    </section>
  )
}
