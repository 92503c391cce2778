import { Clock, Duration, Effect, Layer, Option } from "effect"
import { unchanged } from "../domain/interaction-group.ts"
import { commitInteraction, type InteractionStep } from "./commit-interaction.ts"
import { InteractionSettings } from "./commit-interaction.ts"
import { forkPeriodic } from "./periodic.ts"
import { InteractionStore } from "./ports/interaction-store.ts"
import { spanWhenTraced } from "./traced.ts"

/** Idle expiry alone: the commit closes the open group if it is still idle when read. */
const expireOnly: InteractionStep = (state) => ({
  transition: unchanged(state),
  classification: Option.none()
})

/** Closes (and asks to assess) open interactions idle past their timeout. */
export const SweepIdleInteractions = Effect.fnUntraced(function* () {
  const store = yield* InteractionStore
  const settings = yield* InteractionSettings
  const now = yield* Clock.currentTimeMillis
  let closed = 0
  for (const sessionId of yield* store.idleSessions(now - Duration.toMillis(settings.idleTimeout))) {
    const expired = yield* commitInteraction(sessionId, now, expireOnly, Option.none()).pipe(
      Effect.map((change) => change.result === "committed"),
      // One session the store fails on does not stop the others; the next round retries it.
      Effect.catchAll(() => Effect.succeed(false))
    )
    if (expired) closed++
  }
  if (closed > 0) yield* Effect.logInfo("idle interactions closed").pipe(Effect.annotateLogs({ closed }))
  return closed
}, spanWhenTraced("SweepIdleInteractions"))

/** Runs the idle sweep every minute for the life of the layer; a failed sweep is retried next time. */
export const layerIdleInteractionSweep = Layer.scopedDiscard(
  forkPeriodic(SweepIdleInteractions(), Duration.minutes(1), "idle interaction sweep failed")
)
