import { Component, type ReactNode } from "react"

/** A page that fails to render says so, with a way out, instead of leaving a blank screen. */
export class ErrorBoundary extends Component<{ readonly children: ReactNode }, { readonly failed: boolean }> {
  override state = { failed: false }

  static getDerivedStateFromError() {
    return { failed: true }
  }

  override render() {
    if (!this.state.failed) return this.props.children
    return (
      <div className="notice notice-error" role="alert">
        <p>This page ran into a problem and could not be shown.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    )
  }
}
