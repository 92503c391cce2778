import { Effect, FiberRef, Scope, type Tracer } from "effect"

/**
 * A span around an effect when traces are exported, none when the tracer is off. Even a span the
 * tracer drops costs a stack capture, a context copy and an exit hook: about 35 Effect operations,
 * where a whole minimal request is about 270. Use cases are therefore written as
 * `Effect.fnUntraced(body, spanWhenTraced("IngestMessage"))` rather than `Effect.fn("IngestMessage")`,
 * which makes its span either way; with an exporter the trace is the same.
 */
export const spanWhenTraced =
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) =>
      fiber.getFiberRef(FiberRef.currentTracerEnabled) ? Effect.withSpan(effect, name, options) : effect
    )

/**
 * A span that lasts as long as `scope` and is the parent of `effect`'s work (and of the fibers it
 * forks), when traces are exported; none when the tracer is off. Even a span the tracer drops would
 * copy the fiber's services to provide itself, a copy every fiber of the work keeps.
 */
export const parentSpanInScopeWhenTraced =
  (name: string, scope: Scope.Scope, options?: Tracer.SpanOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime<A, E, R>((fiber) =>
      fiber.getFiberRef(FiberRef.currentTracerEnabled)
        ? Effect.flatMap(Scope.extend(Effect.makeSpanScoped(name, options), scope), (span) =>
            Effect.withParentSpan(effect, span)
          )
        : effect
    )

/**
 * Sets attributes on the current span when traces are exported. `Effect.annotateCurrentSpan` alone,
 * with the tracer off (no span, or spans that do not propagate), makes and drops a
 * `NoSuchElementException`: a stack trace captured for nothing, about 2 % of a chat turn's CPU for
 * its seven calls.
 */
export const annotateSpan = (attributes: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) =>
    fiber.getFiberRef(FiberRef.currentTracerEnabled) ? Effect.annotateCurrentSpan(attributes) : Effect.void
  )
