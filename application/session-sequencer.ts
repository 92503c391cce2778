import { Context, Effect, Layer } from "effect"
import type { SessionId } from "../domain/ids.ts"

/**
 * Runs the work of one session one piece at a time, in the order it arrived, while sessions run in
 * parallel. A session's classifications must commit in message order: the second message of a role
 * play committed before the first would open a group of its own and then be closed as `restarted`
 * by the opener. This orders them within one process; across instances, sticky sessions do.
 */
export class SessionSequencer extends Context.Tag("coachup/SessionSequencer")<
  SessionSequencer,
  {
    readonly run: <A, E, R>(sessionId: SessionId, work: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
>() {
  static readonly layer = Layer.sync(SessionSequencer, () => {
    // The lock of each session with work queued or running; dropped when its last holder is done.
    const locks = new Map<SessionId, { readonly lock: Effect.Semaphore; holders: number }>()
    return SessionSequencer.of({
      run: (sessionId, work) =>
        Effect.suspend(() => {
          const entry = locks.get(sessionId) ?? { lock: Effect.unsafeMakeSemaphore(1), holders: 0 }
          entry.holders++
          locks.set(sessionId, entry)
          return entry.lock
            .withPermits(1)(work)
            .pipe(
              Effect.ensuring(
                Effect.sync(() => {
                  if (--entry.holders === 0) locks.delete(sessionId)
                })
              )
            )
        })
    })
  })
}
