import { Link } from "./router.tsx"
import "./states.css"

/** An address the app has no page for (the service answers it 404): say so, and offer a way on. */
export function NotFoundPage(props: { readonly path: string }) {
  return (
    <section aria-labelledby="not-found-heading">
      <h1 id="not-found-heading">Page not found</h1>
      <p className="empty-state">
        There is no page at <code>{props.path}</code>. It may have moved, or the link was mistyped.
      </p>
      <p>
        <Link to="/">Go to Chat</Link> to talk with your coach, or pick a page from the menu above.
      </p>
    </section>
  )
}
