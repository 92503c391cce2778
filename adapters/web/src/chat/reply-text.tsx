import Markdown, { type Components } from "react-markdown"
import "./reply-text.css"

/** Links leave the app in a new tab, and tell the page they open nothing about where they came from. */
const components: Components = {
  a: ({ node: _, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer nofollow" />
}

/**
 * A coach reply as Markdown. Raw HTML in it is dropped, not rendered; link and image addresses pass
 * react-markdown's default filter, which keeps only http(s), mailto and relative ones.
 */
export function ReplyText(props: { readonly text: string }) {
  return (
    <div className="message-text markdown">
      <Markdown skipHtml components={components}>
        {props.text}
      </Markdown>
    </div>
  )
}
