import "./states.css"

/**
 * Grey placeholders where content is about to appear, so a page never sits blank while it loads;
 * assistive technology hears `label` instead.
 */
export function SkeletonLines(props: {
  readonly label: string
  readonly lines: number
  readonly tall?: boolean
}) {
  return (
    <div className="skeleton" role="status">
      <span className="visually-hidden">{props.label}</span>
      {Array.from({ length: props.lines }, (_, index) => (
        <div
          key={index}
          aria-hidden="true"
          className={props.tall === true ? "skeleton-block skeleton-block-tall" : "skeleton-block"}
        />
      ))}
    </div>
  )
}
