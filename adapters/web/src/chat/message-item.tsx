import { useState } from "react"
import type { CoachMessage } from "./chat-transport.ts"
import { textOf } from "./chat-transport.ts"
import { ReplyText } from "./reply-text.tsx"

/** Copies a reply's text, and says for a moment that it did (or that the browser refused). */
function CopyButton(props: { readonly text: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle")
  const copy = () =>
    navigator.clipboard
      .writeText(props.text)
      .then(() => setCopied("copied"))
      .catch(() => setCopied("failed"))
      .finally(() => setTimeout(() => setCopied("idle"), 2000))
  return (
    <button type="button" className="message-action" onClick={() => void copy()}>
      {copied === "copied" ? "Copied" : copied === "failed" ? "Copy failed" : "Copy"}
      <span className="visually-hidden" role="status">
        {copied === "copied" ? "Reply copied" : ""}
      </span>
    </button>
  )
}

/**
 * One turn of the conversation. A coach reply reads as Markdown, can be copied, and the last one can
 * be regenerated; what only a developer needs (the context's size) waits behind "Details".
 */
export function MessageItem(props: {
  readonly message: CoachMessage
  readonly streaming: boolean
  readonly stopped: boolean
  /** Set when this reply is the last one and may be regenerated now. */
  readonly onRegenerate?: (() => void) | undefined
}) {
  const { message } = props
  const text = textOf(message)
  const incomplete = props.stopped || message.metadata?.status === "incomplete"
  const replaced = message.metadata?.replaced === true
  const context = message.metadata?.contextMessages
  if (message.role === "user")
    return (
      <li className="message message-user">
        <span className="message-author">You</span>
        <p className="message-text">{text}</p>
      </li>
    )
  return (
    <li
      className={`message message-assistant${replaced ? " message-replaced" : ""}`}
      aria-busy={props.streaming}
    >
      <span className="message-author">
        Coach
        {replaced ? <span className="badge">Replaced by a newer reply</span> : null}
        {incomplete ? <span className="badge badge-warning">Stopped before the end</span> : null}
      </span>
      {text === "" ? <p className="message-text">{props.streaming ? "…" : ""}</p> : <ReplyText text={text} />}
      {props.streaming ? null : (
        <div className="message-actions">
          {text === "" ? null : <CopyButton text={text} />}
          {props.onRegenerate === undefined ? null : (
            <button type="button" className="message-action" onClick={props.onRegenerate}>
              Regenerate
            </button>
          )}
          {context === undefined ? null : (
            <details className="message-meta">
              <summary>Details</summary>
              Context: {context} message{context === 1 ? "" : "s"}
            </details>
          )}
        </div>
      )}
    </li>
  )
}
