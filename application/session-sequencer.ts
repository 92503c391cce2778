import { Context, Deferred, Effect, Layer } from "effect"
import type { SessionId } from "../domain/ids.ts"

/**
 * Runs the work of one session one piece at a time, in the order it arrived, while sessions run in
 * parallel. A session's classifications must commit in message order: the second message of a role
 * play committed before the first would open a group of its own and then be closed as `restarted`
 * by the opener. The interaction store enforces that order for stored messages across processes;
 * this keeps a process's own classifications from meeting its refusal (each a wasted classifier
 * call and polls), and is the only order for what the store does not hold (opted-out sessions,
 * which sticky sessions keep on one process).
 */
export class SessionSequencer extends Context.Tag("coachup/SessionSequencer")<
  SessionSequencer,
  {
    readonly run: <A, E, R>(sessionId: SessionId, work: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  }
>() {
  static readonly layer = Layer.scoped(
    SessionSequencer,
    Effect.gen(function* () {
      // Where the wait of interrupted work runs: owned by the layer, interrupted when it closes.
      const scope = yield* Effect.scope
      // The last piece of work queued per session: each new piece waits for it, then takes its place.
      // A chain, not a semaphore: a semaphore's release may hand the permit to a newcomer first.
      const tails = new Map<SessionId, Deferred.Deferred<void>>()
      return SessionSequencer.of({
        run: (sessionId, work) =>
          Effect.uninterruptibleMask((restore) =>
            Effect.gen(function* () {
              const previous = tails.get(sessionId)
              const done = yield* Deferred.make<void>()
              tails.set(sessionId, done)
              const finish = Effect.sync(() => {
                if (tails.get(sessionId) === done) tails.delete(sessionId)
              }).pipe(Effect.zipRight(Deferred.succeed(done, undefined)))
              // Work interrupted while it waited must not let the next one past the work still running.
              const release =
                previous === undefined
                  ? finish
                  : Effect.asVoid(
                      Effect.forkIn(
                        Effect.interruptible(Effect.zipRight(Deferred.await(previous), finish)),
                        scope
                      )
                    )
              return yield* restore(
                Effect.zipRight(previous === undefined ? Effect.void : Deferred.await(previous), work)
              ).pipe(Effect.ensuring(release))
            })
          )
      })
    })
  )
}
