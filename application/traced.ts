import { Effect, FiberRef, type Tracer } from "effect"

/**
 * A span around an effect when traces are exported, none when the tracer is off: even a span the
 * tracer drops costs a context copy and an exit hook, which on a path called a dozen times a request
 * is a measurable share of its CPU. `Effect.fn` use cases keep their own spans either way.
 */
export const spanWhenTraced =
  (name: string, options?: Tracer.SpanOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.withFiberRuntime((fiber) =>
      fiber.getFiberRef(FiberRef.currentTracerEnabled) ? Effect.withSpan(effect, name, options) : effect
    )
