import { type MouseEvent, type ReactNode, useSyncExternalStore } from "react"

const subscribe = (onChange: () => void) => {
  addEventListener("popstate", onChange)
  return () => removeEventListener("popstate", onChange)
}

/** The current path; pages change without a reload, and back/forward work. */
export const usePath = (): string => useSyncExternalStore(subscribe, () => location.pathname)

export const navigate = (path: string): void => {
  history.pushState(null, "", path)
  dispatchEvent(new PopStateEvent("popstate"))
}

/** A link that changes page in place; a modified click (new tab) stays the browser's. */
export function Link(props: {
  readonly to: string
  readonly children: ReactNode
  readonly current?: boolean
}) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    event.preventDefault()
    navigate(props.to)
  }
  return (
    <a href={props.to} onClick={onClick} aria-current={props.current === true ? "page" : undefined}>
      {props.children}
    </a>
  )
}
