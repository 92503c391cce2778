import type { CoachMessage } from "./chat-transport.ts"
import { textOf } from "./chat-transport.ts"

/** One turn of the conversation, with what is worth knowing about a reply. */
export function MessageItem(props: {
  readonly message: CoachMessage
  readonly streaming: boolean
  readonly stopped: boolean
}) {
  const { message } = props
  const incomplete = props.stopped || message.metadata?.status === "incomplete"
  const context = message.metadata?.contextMessages
  return (
    <li className={`message message-${message.role}`} aria-busy={props.streaming}>
      <span className="message-author">{message.role === "user" ? "You" : "Coach"}</span>
      <p className="message-text">{textOf(message) || (props.streaming ? "…" : "")}</p>
      {message.role === "assistant" && (context !== undefined || incomplete) ? (
        <p className="message-meta">
          {context === undefined ? null : `Context: ${context} message${context === 1 ? "" : "s"}`}
          {context !== undefined && incomplete ? " · " : null}
          {incomplete ? <span className="badge badge-warning">Stopped before the end</span> : null}
        </p>
      ) : null}
    </li>
  )
}
