import { describeError } from "./api-client.ts"

/** A failure, said plainly, with a way to try again. */
export function ErrorNotice(props: { readonly error: unknown; readonly onRetry: () => void }) {
  return (
    <div className="notice notice-error" role="alert">
      <p>{describeError(props.error)}</p>
      <button type="button" onClick={props.onRetry}>
        Retry
      </button>
    </div>
  )
}
